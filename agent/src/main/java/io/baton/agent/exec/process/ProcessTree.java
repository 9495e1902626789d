package io.baton.agent.exec.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Signals and watches a set of processes: a task's process, the processes it started, and whatever
 * else shares its cgroup.
 *
 * <p>Liveness ignores zombies: a process that has exited but whose parent (often PID 1 in a
 * container, once its own parent died) has not reaped it yet counts as gone, although {@link
 * ProcessHandle#isAlive()} still says alive.
 */
final class ProcessTree {
  /** How often the set is polled while waiting: short next to any grace period. */
  private static final Duration POLL = Duration.ofMillis(20);

  private ProcessTree() {}

  /** {@code root} and all its current descendants. */
  static Set<ProcessHandle> of(ProcessHandle root) {
    Set<ProcessHandle> all = new LinkedHashSet<>();
    all.add(root);
    root.descendants().forEach(all::add);
    return all;
  }

  /** Whether the process exists and has not exited (zombies have exited). */
  static boolean isRunning(ProcessHandle process) {
    if (!process.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      int end = stat.lastIndexOf(')');
      char state = end >= 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : 'R';
      return state != 'Z' && state != 'X';
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      return process.isAlive();
    }
  }

  /** Sends SIGTERM to each process. */
  static void terminate(Collection<ProcessHandle> processes) {
    processes.forEach(ProcessHandle::destroy);
  }

  /** Sends SIGKILL to each process. */
  static void kill(Collection<ProcessHandle> processes) {
    processes.forEach(ProcessHandle::destroyForcibly);
  }

  /** The processes of {@code processes} still running, with the descendants they have now. */
  static Set<ProcessHandle> running(Collection<ProcessHandle> processes) {
    Set<ProcessHandle> running = new LinkedHashSet<>();
    for (ProcessHandle process : processes) {
      if (isRunning(process)) {
        running.add(process);
        process.descendants().filter(ProcessTree::isRunning).forEach(running::add);
      }
    }
    return running;
  }

  /**
   * Waits up to {@code timeout} for every process of {@code processes}, and every descendant they
   * start meanwhile, to be gone. Returns the ones still running (empty when all are gone).
   */
  static Set<ProcessHandle> awaitGone(Collection<ProcessHandle> processes, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Set<ProcessHandle> watched = new LinkedHashSet<>(processes);
    while (true) {
      Set<ProcessHandle> left = running(watched);
      if (left.isEmpty()) {
        return left;
      }
      watched.addAll(left);
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return left;
      }
      Thread.sleep(Math.min(POLL.toMillis(), Math.max(1, remaining / 1_000_000)));
    }
  }

  /** Process ids, for log messages. */
  static String pids(Collection<ProcessHandle> processes) {
    return processes.stream().map(p -> Long.toString(p.pid())).collect(Collectors.joining(","));
  }
}
