package io.baton.agent.exec;

import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's life on this node, driven by its own thread: the only thread that reports the task's
 * statuses, so they reach the listener in order and only forward. Other threads only ask it to stop
 * ({@link #requestStop}) or to be removed ({@link #requestRemoval}).
 */
final class ManagedTask {
  private static final Logger log = LoggerFactory.getLogger(ManagedTask.class);

  /** What the task's thread does. */
  enum Plan {
    /** Run the task: accept, prepare, start, wait for its end. */
    RUN,
    /** Report that the task no longer runs here (the agent lost it, e.g. on restart). */
    LOST
  }

  private enum Phase {
    BEFORE_START,
    STARTED,
    DONE
  }

  /** What a task gets in its environment from the agent, besides what its executor adds. */
  private static final Map<String, String> NO_EXTRA_ENV = Map.of();

  private static final String LOST_MESSAGE = "task lost: this node no longer runs it";

  private final Task task;
  private final Plan plan;
  private final Path tasksRoot;
  private final Executor executor;
  private final TaskSecrets secrets;
  private final StatusListener listener;
  private final Clock clock;
  private final ThreadFactory threads;
  private final Runnable onRemoved;
  private final CountDownLatch removed = new CountDownLatch(1);
  private final Object lock = new Object();

  /** Guarded by {@code lock}: null until a stop is requested. */
  private Duration stopGrace;

  private boolean removalRequested;
  private boolean removing;
  private Phase phase = Phase.BEFORE_START;
  private volatile TaskRunner runner;

  /** Last state reported or known from the manager; touched only by the task's thread. */
  private int lastState;

  ManagedTask(
      Task task,
      Plan plan,
      Path tasksRoot,
      Executor executor,
      TaskSecrets secrets,
      StatusListener listener,
      Clock clock,
      ThreadFactory threads,
      Runnable onRemoved) {
    this.task = task;
    this.plan = plan;
    this.tasksRoot = tasksRoot;
    this.executor = executor;
    this.secrets = secrets;
    this.listener = listener;
    this.clock = clock;
    this.threads = threads;
    this.onRemoved = onRemoved;
    this.lastState = task.getStatus().getStateValue();
  }

  String id() {
    return task.getId();
  }

  Task task() {
    return task;
  }

  Optional<LogBuffer> logs() {
    TaskRunner current = runner;
    return current == null ? Optional.empty() : Optional.of(current.logs());
  }

  /** Starts the task's thread. */
  void launch() {
    Thread thread = threads.newThread(this::run);
    thread.setName("baton-task-" + task.getId());
    thread.start();
  }

  /** Asks the task to stop within {@code grace}; later requests keep the first grace. */
  void requestStop(Duration grace) {
    TaskRunner toStop;
    synchronized (lock) {
      if (stopGrace != null) {
        return;
      }
      stopGrace = grace;
      toStop = phase == Phase.STARTED ? runner : null;
    }
    if (toStop != null) {
      stopInBackground(toStop, grace);
    }
  }

  /** Stops the task and removes its resources once its thread is done. */
  void requestRemoval(Duration grace) {
    requestStop(grace);
    boolean removeNow;
    synchronized (lock) {
      removalRequested = true;
      removeNow = phase == Phase.DONE && !removing;
      removing |= removeNow;
    }
    if (removeNow) {
      threads.newThread(this::remove).start();
    }
  }

  /** Blocks until the task's resources are removed. */
  void awaitRemoved() throws InterruptedException {
    removed.await();
  }

  private void run() {
    try {
      switch (plan) {
        case RUN -> runTask();
        case LOST -> report(TaskState.TASK_STATE_FAILED, LOST_MESSAGE, LOST_MESSAGE, 0);
      }
    } catch (RuntimeException e) {
      log.error("task {}: executor failed", task.getId(), e);
      String reason = "internal executor error";
      TaskState state =
          lastState < TaskState.TASK_STATE_RUNNING_VALUE
              ? TaskState.TASK_STATE_REJECTED
              : TaskState.TASK_STATE_FAILED;
      report(state, reason, reason, 0);
    } finally {
      boolean removeNow;
      synchronized (lock) {
        phase = Phase.DONE;
        removeNow = removalRequested && !removing;
        removing |= removeNow;
      }
      if (removeNow) {
        remove();
      }
    }
  }

  private void runTask() {
    if (!TaskIds.isSafe(task.getId())) {
      reject("invalid task id");
      return;
    }
    if (stopRequested()) {
      report(TaskState.TASK_STATE_SHUTDOWN, "shut down before it started", "", 0);
      return;
    }
    report(TaskState.TASK_STATE_ACCEPTED, "accepted", "", 0);
    TaskRunner created;
    try {
      Optional<Path> secretsDir = secrets.materialise(task);
      Path workDir = tasksRoot.resolve(task.getId());
      created = executor.create(task, new TaskContext(workDir, secretsDir, NO_EXTRA_ENV));
    } catch (ExecutorException e) {
      reject(e.getMessage());
      return;
    }
    runner = created;
    if (shutDownIfRequested()) {
      return;
    }
    report(TaskState.TASK_STATE_PREPARING, "preparing", "", 0);
    try {
      created.prepare();
    } catch (ExecutorException e) {
      reject(e.getMessage());
      return;
    }
    if (shutDownIfRequested()) {
      return;
    }
    report(TaskState.TASK_STATE_STARTING, "starting", "", 0);
    if (shutDownIfRequested()) {
      return;
    }
    try {
      created.start();
    } catch (ExecutorException e) {
      reject(e.getMessage());
      return;
    }
    Duration grace;
    synchronized (lock) {
      phase = Phase.STARTED;
      grace = stopGrace;
    }
    if (grace != null) {
      stopInBackground(created, grace);
    }
    report(TaskState.TASK_STATE_RUNNING, "started", "", 0);
    ExitStatus exit;
    try {
      exit = created.awaitExit();
    } catch (InterruptedException e) {
      created.stop(graceOrDefault());
      report(TaskState.TASK_STATE_SHUTDOWN, "stopped: the agent was interrupted", "", 0);
      Thread.currentThread().interrupt();
      return;
    }
    if (stopRequested()) {
      report(TaskState.TASK_STATE_SHUTDOWN, exit.message(), "", exit.exitCode());
    } else if (exit.succeeded()) {
      report(TaskState.TASK_STATE_COMPLETE, exit.message(), "", 0);
    } else {
      report(TaskState.TASK_STATE_FAILED, exit.message(), exit.message(), exit.exitCode());
    }
  }

  private boolean shutDownIfRequested() {
    if (!stopRequested()) {
      return false;
    }
    report(TaskState.TASK_STATE_SHUTDOWN, "shut down before it started", "", 0);
    return true;
  }

  private boolean stopRequested() {
    synchronized (lock) {
      return stopGrace != null;
    }
  }

  private Duration graceOrDefault() {
    synchronized (lock) {
      return stopGrace != null ? stopGrace : TaskManager.stopGrace(task);
    }
  }

  private void stopInBackground(TaskRunner target, Duration grace) {
    threads.newThread(() -> target.stop(grace)).start();
  }

  private void reject(String reason) {
    report(TaskState.TASK_STATE_REJECTED, reason, reason, 0);
  }

  private void report(TaskState state, String message, String error, int exitCode) {
    if (state.getNumber() <= lastState) {
      return;
    }
    lastState = state.getNumber();
    TaskStatus status =
        TaskStatus.newBuilder()
            .setState(state)
            .setTimestampMs(clock.millis())
            .setMessage(message)
            .setError(error)
            .setExitCode(exitCode)
            .build();
    try {
      listener.onStatus(task.getId(), status);
    } catch (RuntimeException e) {
      log.warn("task {}: status listener failed", task.getId(), e);
    }
  }

  private void remove() {
    try {
      TaskRunner current = runner;
      if (current != null) {
        current.remove();
      }
      secrets.release(task.getId());
    } catch (RuntimeException e) {
      log.warn("task {}: removing its resources failed", task.getId(), e);
    } finally {
      onRemoved.run();
      removed.countDown();
    }
  }
}
