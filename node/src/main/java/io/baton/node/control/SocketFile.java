package io.baton.node.control;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the control socket's file so that only its owner can connect, replacing a stale file left
 * by a node that died, never a live node's socket.
 *
 * <p>The mode: {@code bind} creates the file with mode {@code 0777 & ~umask}, and the JDK cannot
 * bind with another umask, so the file is created inside its existing directory and set to 0600
 * immediately after. In that short window a connection (which needs write permission on the
 * file) is possible for other users only with a permissive umask <em>and</em> search permission
 * on the directory; the state directory is 0700, so the window is harmless there. Binding into any
 * other directory logs a warning if that directory is open to other users.
 *
 * <p>Two nodes started at the same instant on one state directory can race between the stale
 * check and the bind; the node's own state-directory ownership is what prevents that.
 */
final class SocketFile {
  private static final Logger log = LoggerFactory.getLogger(SocketFile.class);
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");

  private SocketFile() {}

  /**
   * Returns a server channel bound at {@code socketPath}, whose file is mode 0600.
   *
   * @throws IOException "another node is running on DIR" if a server answers on the path; also if
   *     the path exists and is not a socket, or binding fails
   */
  static ServerSocketChannel bindOwnerOnly(Path socketPath) throws IOException {
    Path dir = socketPath.toAbsolutePath().getParent();
    removeStale(socketPath, dir);
    warnIfDirectoryIsOpen(dir);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(socketPath));
    } catch (BindException e) {
      server.close();
      throw new IOException("another node is running on " + dir + " (cannot bind " + socketPath + ": "
          + e.getMessage() + ")", e);
    } catch (IOException e) {
      server.close();
      throw new IOException("cannot bind the control socket " + socketPath + ": " + e.getMessage(), e);
    }
    try {
      Files.setPosixFilePermissions(socketPath, OWNER_ONLY);
      return server;
    } catch (IOException | RuntimeException e) {
      server.close();
      Files.deleteIfExists(socketPath);
      throw new IOException("cannot restrict the control socket " + socketPath + " to its owner: " + e.getMessage(), e);
    }
  }

  /** The identity of the file now at {@code path} (inode), or null if there is none. */
  static Object fileKey(Path path) {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  private static void removeStale(Path socketPath, Path dir) throws IOException {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(socketPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    }
    if (!attributes.isOther()) {
      throw new IOException(socketPath + " exists and is not a socket; refusing to replace it");
    }
    if (answers(socketPath, dir)) {
      throw new IOException("another node is running on " + dir + " (" + socketPath + " answers)");
    }
    log.info("removing the stale control socket {} left by a node that is no longer running", socketPath);
    Files.deleteIfExists(socketPath);
  }

  private static boolean answers(Path socketPath, Path dir) throws IOException {
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(socketPath));
      return true;
    } catch (ConnectException refused) {
      return false;
    } catch (IOException e) {
      throw new IOException("cannot tell whether a node is running on " + dir + ": " + socketPath + ": "
          + e.getMessage(), e);
    }
  }

  private static void warnIfDirectoryIsOpen(Path dir) {
    try {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
      if (!OWNER_ONLY_DIRECTORY.containsAll(mode)) {
        log.warn("the control socket's directory {} is open to other users ({}); make it 0700",
            dir, PosixFilePermissions.toString(mode));
      }
    } catch (IOException | UnsupportedOperationException e) {
      log.warn("cannot read the mode of the control socket's directory {}: {}", dir, e.toString());
    }
  }
}
