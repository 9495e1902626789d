package io.baton.agent.exec.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records which process runs each task ({@code <tasks root>/<task id>.pid}: pid and start instant,
 * beside — not inside — the task's working directory), so that an agent restarted after a crash
 * can stop the processes its previous run left behind. A record only matches a live process with
 * the same pid <em>and</em> start instant, so a reused pid is never signalled.
 */
final class Leftovers {
  private static final Logger log = LoggerFactory.getLogger(Leftovers.class);
  /** Grace a leftover gets between SIGTERM and SIGKILL. */
  private static final Duration GRACE = Duration.ofSeconds(5);

  private Leftovers() {}

  static void record(Path workDir, ProcessHandle process) {
    Optional<Instant> started = process.info().startInstant();
    String line = process.pid() + " " + started.map(Instant::toString).orElse("-") + "\n";
    try {
      Files.writeString(recordOf(workDir), line, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      log.warn("cannot record the process of {}: {}", workDir.getFileName(), e.getMessage());
    }
  }

  static void forget(Path workDir) throws IOException {
    Files.deleteIfExists(recordOf(workDir));
  }

  /** Stops every recorded process still alive under {@code tasksRoot}, then removes what is left. */
  static void reclaim(Path tasksRoot) {
    if (!Files.isDirectory(tasksRoot)) {
      return;
    }
    try {
      try (DirectoryStream<Path> records = Files.newDirectoryStream(tasksRoot, "*.pid")) {
        for (Path record : records) {
          stopRecorded(record);
          Files.deleteIfExists(record);
        }
      }
      try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tasksRoot,
          p -> Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
        for (Path dir : dirs) {
          WorkDirs.delete(dir);
          log.info("removed the working directory of task {} left by an earlier run", dir.getFileName());
        }
      }
    } catch (IOException e) {
      log.warn("cannot clean up tasks left in {}: {}", tasksRoot, e.getMessage());
    }
  }

  private static void stopRecorded(Path record) throws IOException {
    String[] fields = Files.readString(record, StandardCharsets.US_ASCII).strip().split(" ");
    if (fields.length != 2) {
      return;
    }
    Optional<ProcessHandle> process;
    try {
      process = ProcessHandle.of(Long.parseLong(fields[0]));
    } catch (NumberFormatException e) {
      return;
    }
    Optional<String> started = process.flatMap(p -> p.info().startInstant()).map(Instant::toString);
    if (process.isEmpty() || started.isEmpty() || !started.get().equals(fields[1])) {
      return;
    }
    Set<ProcessHandle> tree = ProcessTree.of(process.get());
    log.warn("stopping task process {} left running by an earlier run of this agent ({})",
        process.get().pid(), record.getFileName());
    ProcessTree.terminate(tree);
    try {
      ProcessTree.kill(ProcessTree.awaitGone(tree, GRACE));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ProcessTree.kill(tree);
    }
  }

  private static Path recordOf(Path workDir) {
    return workDir.resolveSibling(workDir.getFileName() + ".pid");
  }
}
