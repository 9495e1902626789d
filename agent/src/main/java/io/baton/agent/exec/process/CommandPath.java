package io.baton.agent.exec.process;

import io.baton.agent.exec.ExecutorException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Finds the executable a task's command names, against the task's own {@code PATH} (not the
 * agent's, which the JDK would use), so that a missing command is a clear rejection rather than an
 * exit code.
 */
final class CommandPath {
  private CommandPath() {}

  /**
   * The executable file {@code command} names: itself when it contains a {@code /} (relative to
   * {@code workDir}), else the first match in {@code path}'s directories (an empty entry means
   * {@code workDir}).
   *
   * @throws ExecutorException "command not found: X" when there is no such executable file
   */
  static Path resolve(String command, String path, Path workDir) throws ExecutorException {
    try {
      if (command.contains("/")) {
        Path candidate = workDir.resolve(command);
        if (isExecutableFile(candidate)) {
          return candidate;
        }
      } else if (!command.isEmpty()) {
        for (String dir : path.split(":", -1)) {
          Path candidate = (dir.isEmpty() ? workDir : workDir.resolve(dir)).resolve(command);
          if (isExecutableFile(candidate)) {
            return candidate;
          }
        }
      }
    } catch (InvalidPathException e) {
      throw new ExecutorException("command not found: " + command, e);
    }
    throw new ExecutorException("command not found: " + command);
  }

  private static boolean isExecutableFile(Path candidate) {
    return Files.isRegularFile(candidate) && Files.isExecutable(candidate);
  }
}
