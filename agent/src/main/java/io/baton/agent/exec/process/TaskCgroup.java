package io.baton.agent.exec.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's cgroup: its process enters it before running the task's command, so everything the
 * task starts is in it too, even processes that leave its process tree (daemons). Never throws:
 * failures are logged.
 */
final class TaskCgroup {
  private static final Logger log = LoggerFactory.getLogger(TaskCgroup.class);

  /**
   * Moves the shell into the cgroup named by {@code $1}, then replaces itself with the command (same
   * PID). If the move fails the command runs anyway, outside the cgroup.
   */
  private static final String JOIN_SCRIPT =
      "{ echo $$ > \"$1\"; } 2>/dev/null; shift; exec \"$@\"";

  /** The shell that runs {@link #JOIN_SCRIPT}: POSIX requires it at this path. */
  private static final String SHELL = "/bin/sh";

  /** Attempts to delete the cgroup while the kernel finishes releasing its last processes. */
  private static final int DELETE_ATTEMPTS = 50;

  private static final long DELETE_RETRY_MS = 20;

  private final Path dir;

  TaskCgroup(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  /** {@code argv} wrapped so that the process enters this cgroup before {@code exec}ing it. */
  List<String> wrap(List<String> argv) {
    List<String> wrapped = new ArrayList<>(List.of(SHELL, "-c", JOIN_SCRIPT, "baton-cgroup-join"));
    wrapped.add(dir.resolve("cgroup.procs").toString());
    wrapped.addAll(argv);
    return wrapped;
  }

  /** The processes in the cgroup now. */
  Set<ProcessHandle> members() {
    Set<ProcessHandle> members = new LinkedHashSet<>();
    try {
      for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
        if (!line.isBlank()) {
          ProcessHandle.of(Long.parseLong(line.trim())).ifPresent(members::add);
        }
      }
    } catch (NoSuchFileException e) {
      return members;
    } catch (IOException | RuntimeException e) {
      log.warn("cannot list the processes of {}: {}", dir, e.toString());
    }
    return members;
  }

  /** Sends SIGKILL to every process in the cgroup ({@code cgroup.kill} where the kernel has it). */
  void kill() {
    Path killFile = dir.resolve("cgroup.kill");
    if (Files.exists(killFile)) {
      try {
        Files.writeString(killFile, "1");
        return;
      } catch (IOException | RuntimeException e) {
        log.warn("cannot kill the cgroup {}: {}", dir, e.toString());
      }
    }
    ProcessTree.kill(members());
  }

  /** Removes the cgroup, killing what is left in it first. */
  void delete() {
    for (int attempt = 1; ; attempt++) {
      try {
        Files.deleteIfExists(dir);
        return;
      } catch (IOException | RuntimeException e) {
        if (attempt == 1) {
          kill();
        }
        if (attempt >= DELETE_ATTEMPTS) {
          log.warn("cannot remove the cgroup {}: {}", dir, e.toString());
          return;
        }
      }
      try {
        Thread.sleep(DELETE_RETRY_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.warn("interrupted while removing the cgroup {}", dir);
        return;
      }
    }
  }
}
