package io.baton.agent.exec.process;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates and deletes a task's private working directory.
 *
 * <p>Security: the directory is created with mode 0700, so other users of the node cannot read what
 * the task writes; deletion never follows symbolic links, so a task cannot make the agent delete
 * files outside its directory by leaving links in it.
 */
final class WorkDirs {
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rwx------");
  private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_ATTRIBUTE =
      PosixFilePermissions.asFileAttribute(OWNER_ONLY);

  private WorkDirs() {}

  /**
   * Creates {@code dir} empty with mode 0700 (and missing parents with mode 0700); a leftover
   * directory of the same name, from an earlier agent run, is deleted first.
   */
  static void create(Path dir) throws IOException {
    Files.createDirectories(dir.getParent(), OWNER_ONLY_ATTRIBUTE);
    try {
      Files.createDirectory(dir, OWNER_ONLY_ATTRIBUTE);
    } catch (FileAlreadyExistsException e) {
      delete(dir);
      Files.createDirectory(dir, OWNER_ONLY_ATTRIBUTE);
    }
    Files.setPosixFilePermissions(dir, OWNER_ONLY);
  }

  /** Deletes {@code dir} and everything in it, links as links. Missing is fine. */
  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            if (e instanceof AccessDeniedException
                && Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
              Files.setPosixFilePermissions(file, OWNER_ONLY);
              delete(file);
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path directory, IOException e)
              throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            Files.deleteIfExists(directory);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
