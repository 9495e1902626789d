package io.baton.agent.exec.process;

import io.baton.agent.exec.ExecutorException;
import io.baton.agent.exec.ExitStatus;
import io.baton.agent.exec.LogBuffer;
import io.baton.agent.exec.LogLine;
import io.baton.agent.exec.TaskRunner;
import io.baton.api.Resources;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task run as a child process of the agent: in its private working directory, with the clean
 * environment of its {@link Launch}, stdin from {@code /dev/null}, stdout and stderr copied into its
 * {@link LogBuffer} by two virtual threads, and in its own cgroup when the node allows.
 *
 * <p>Stopping signals the whole task: the process, its descendants and the members of its cgroup.
 * Without a cgroup, a process that left the task's process tree (a daemon that double-forked) before
 * the stop is out of reach. Thread-safe.
 */
final class ProcessTaskRunner implements TaskRunner {
  private static final Logger log = LoggerFactory.getLogger(ProcessTaskRunner.class);

  /** How long processes get to die after SIGKILL before we give up waiting for them. */
  private static final Duration KILL_WAIT = Duration.ofSeconds(5);

  private static final File DEV_NULL = new File("/dev/null");

  private final String taskId;
  private final String image;
  private final Path workDir;
  private final Launch launch;
  private final Resources limits;
  private final Cgroups cgroups;
  private final LogBuffer logs;
  private final Duration drainTimeout;
  /** Wraps the resolved argv, e.g. into the task's own mount namespace for its secrets. */
  private final UnaryOperator<List<String>> isolation;
  private final Object lock = new Object();
  private final List<Thread> pumps = new ArrayList<>(2);

  /** Guarded by {@code lock}, like every mutable field below. */
  private boolean prepared;

  private boolean removed;
  private Process process;
  private TaskCgroup cgroup;
  private CompletableFuture<Void> stopped;
  private Duration stopGrace;
  private boolean killed;

  ProcessTaskRunner(
      String taskId,
      String image,
      Path workDir,
      Launch launch,
      Resources limits,
      Cgroups cgroups,
      LogBuffer logs,
      Duration drainTimeout,
      UnaryOperator<List<String>> isolation) {
    this.isolation = isolation;
    this.taskId = taskId;
    this.image = image;
    this.workDir = workDir;
    this.launch = launch;
    this.limits = limits;
    this.cgroups = cgroups;
    this.logs = logs;
    this.drainTimeout = drainTimeout;
  }

  /** Creates the working directory (0700) and, where possible, the task's cgroup. */
  @Override
  public void prepare() throws ExecutorException {
    synchronized (lock) {
      if (removed) {
        throw new ExecutorException("task removed");
      }
      try {
        WorkDirs.create(workDir);
      } catch (IOException | RuntimeException e) {
        throw new ExecutorException("cannot create the task's working directory: " + e, e);
      }
      cgroup = cgroups.create(taskId, limits).orElse(null);
      prepared = true;
    }
  }

  @Override
  public void start() throws ExecutorException {
    synchronized (lock) {
      if (!prepared || removed) {
        throw new IllegalStateException("start before prepare or after remove");
      }
      if (stopped != null) {
        throw new ExecutorException("task stopped before it started");
      }
      if (process != null) {
        throw new IllegalStateException("already started");
      }
      List<String> argv = new ArrayList<>(launch.argv());
      argv.set(0, CommandPath.resolve(argv.get(0), launch.env().get("PATH"), workDir).toString());
      argv = isolation.apply(argv);
      ProcessBuilder builder =
          new ProcessBuilder(cgroup == null ? argv : cgroup.wrap(argv))
              .directory(workDir.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
      builder.environment().clear();
      builder.environment().putAll(launch.env());
      try {
        process = builder.start();
      } catch (IOException e) {
        throw new ExecutorException("cannot start " + launch.argv().get(0) + ": " + e.getMessage(), e);
      }
      log.info(
          "task {}: started pid {} in {} (image {} recorded, not used by the process executor)",
          taskId,
          process.pid(),
          cgroup == null ? "no cgroup" : "cgroup " + cgroup.dir(),
          image.isEmpty() ? "none" : image);
      Leftovers.record(workDir, process.toHandle());
      pumps.add(pump(process, LogLine.Source.STDOUT));
      pumps.add(pump(process, LogLine.Source.STDERR));
    }
  }

  /**
   * A platform thread, not a virtual one: a read from a process pipe blocks in native code for the
   * task's whole life and so holds the carrier of a virtual thread. Once the scheduler's spare
   * carriers had retired, the readers of a few long-running tasks held every carrier, and the
   * virtual threads that would stop those tasks never ran: the agent hung at shutdown.
   */
  private Thread pump(Process started, LogLine.Source source) {
    var stream = source == LogLine.Source.STDOUT ? started.getInputStream() : started.getErrorStream();
    return Thread.ofPlatform()
        .daemon()
        .name("baton-task-" + taskId + "-" + source.name().toLowerCase(Locale.ROOT))
        .start(new OutputPump(stream, source, logs));
  }

  @Override
  public ExitStatus awaitExit() throws InterruptedException {
    Process started;
    List<Thread> readers;
    synchronized (lock) {
      if (process == null) {
        throw new IllegalStateException("task not started");
      }
      started = process;
      readers = List.copyOf(pumps);
    }
    int code = started.waitFor();
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    for (Thread reader : readers) {
      long remaining = deadline - System.nanoTime();
      if (remaining > 0) {
        reader.join(Duration.ofNanos(remaining));
      }
    }
    synchronized (lock) {
      if (killed) {
        return new ExitStatus(
            code,
            "task killed with SIGKILL after its " + stopGrace.toMillis() + " ms stop grace period");
      }
      if (stopped != null) {
        return new ExitStatus(code, "task exited with code " + code + " after SIGTERM");
      }
    }
    return new ExitStatus(code, "task exited with code " + code);
  }

  @Override
  public void stop(Duration grace) {
    CompletableFuture<Void> outcome;
    Process target = null;
    boolean first;
    synchronized (lock) {
      first = stopped == null;
      if (first) {
        stopped = new CompletableFuture<>();
        stopGrace = grace;
        target = process;
      }
      outcome = stopped;
    }
    if (!first) {
      outcome.join();
      return;
    }
    try {
      if (target != null) {
        terminate(target, grace);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ProcessTree.kill(ProcessTree.of(target.toHandle()));
    } finally {
      outcome.complete(null);
    }
  }

  private void terminate(Process started, Duration grace) throws InterruptedException {
    Set<ProcessHandle> task = new LinkedHashSet<>(ProcessTree.of(started.toHandle()));
    if (cgroup != null) {
      task.addAll(cgroup.members());
    }
    ProcessTree.terminate(task);
    Set<ProcessHandle> left = ProcessTree.awaitGone(task, grace);
    if (cgroup != null) {
      left.addAll(cgroup.members());
    }
    if (left.isEmpty()) {
      return;
    }
    synchronized (lock) {
      killed = true;
    }
    ProcessTree.kill(left);
    if (cgroup != null) {
      cgroup.kill();
    }
    Set<ProcessHandle> survivors = ProcessTree.awaitGone(left, KILL_WAIT);
    if (!survivors.isEmpty()) {
      log.warn("task {}: processes {} survived SIGKILL", taskId, ProcessTree.pids(survivors));
    }
  }

  /** Stops the task at once if it still runs, then deletes its cgroup and working directory. */
  @Override
  public void remove() {
    synchronized (lock) {
      if (removed) {
        return;
      }
      removed = true;
    }
    stop(Duration.ZERO);
    TaskCgroup toDelete;
    synchronized (lock) {
      toDelete = cgroup;
    }
    if (toDelete != null) {
      toDelete.delete();
    }
    try {
      Leftovers.forget(workDir);
      WorkDirs.delete(workDir);
    } catch (IOException | RuntimeException e) {
      log.warn("task {}: cannot delete its working directory {}: {}", taskId, workDir, e.toString());
    }
  }

  @Override
  public LogBuffer logs() {
    return logs;
  }
}
