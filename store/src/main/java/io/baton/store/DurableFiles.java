package io.baton.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whole-file writes that a crash leaves either old or new, never half written: the store's
 * snapshots and a manager's keys file. Files are created owner-only (0600).
 */
public final class DurableFiles {
  private static final Logger log = LoggerFactory.getLogger(DurableFiles.class);

  private DurableFiles() {}

  /**
   * Writes {@code content} to a temporary file beside {@code target}, fsyncs it and renames it over
   * {@code target}. The rename is durable only after {@link #fsyncDirectory} of the parent, which
   * the caller does once for all files it replaced.
   */
  public static void writeAndRename(Path target, byte[] content) throws IOException {
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Makes renames and deletions in {@code dir} durable. Linux allows this; where a directory cannot
   * be opened for it, they are left to the OS.
   */
  public static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      log.debug("cannot fsync directory {}: {}", dir, e.getMessage());
    }
  }
}
