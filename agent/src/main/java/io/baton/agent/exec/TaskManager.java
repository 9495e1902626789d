package io.baton.agent.exec;

import io.baton.api.Task;
import io.baton.api.TaskState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * The worker's task reconciler (SwarmKit's {@code agent/worker}): makes the tasks running on this
 * node match the set the manager assigns, through an {@link Executor}, and reports each task's
 * progress to a {@link StatusListener}.
 *
 * <p>Lifecycle per task: {@code ACCEPTED → PREPARING → STARTING → RUNNING}, then {@code COMPLETE}
 * (exit 0), {@code FAILED} (non-zero exit) or {@code SHUTDOWN} (stopped because the manager asked);
 * {@code REJECTED} when the executor cannot create, prepare or start it. Statuses only move forward,
 * also relative to the status the manager sent. The manager restarts tasks by creating new ones; this
 * class never runs a task twice.
 *
 * <p>Each task is driven by its own thread from the given factory (virtual by default). A task's
 * working directory is {@code tasksRoot/<task id>}; {@code tasksRoot} is created with mode 0700.
 * Resources of a task that ended stay (its logs stay readable) until the task leaves the assigned
 * set. The executor is the caller's: this class does not close it.
 *
 * <p>Thread-safe.
 */
public final class TaskManager implements AutoCloseable {
  /** Stop grace period when the task spec sets none, as Docker's default. */
  public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);

  /**
   * How many ids of removed tasks are remembered, so that a stale assignment naming one again is not
   * taken for a task this node lost. Far more than tasks a node runs at once.
   */
  private static final int REMEMBERED_REMOVED_TASKS = 4096;

  private final Executor executor;
  private final Path tasksRoot;
  private final StatusListener listener;
  private final Clock clock;
  private final ThreadFactory threads;
  private final TaskSecrets secrets;
  private final Map<String, ManagedTask> tasks = new ConcurrentHashMap<>();
  private final Set<String> removedIds =
      Collections.synchronizedSet(
          Collections.newSetFromMap(
              new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                  return size() > REMEMBERED_REMOVED_TASKS;
                }
              }));
  private boolean closed;

  /** A manager driving tasks on virtual threads, with no secrets support. */
  public TaskManager(Executor executor, Path tasksRoot, StatusListener listener, Clock clock) {
    this(executor, tasksRoot, listener, clock, virtualThreads(), TaskSecrets.none());
  }

  /**
   * @param executor runs the tasks; not closed by this class
   * @param tasksRoot parent of the tasks' working directories; created (0700) if missing
   * @param listener receives every status reported
   * @param clock timestamps of statuses
   * @param threads makes one thread per task and short-lived helper threads
   * @param secrets materialises the secrets of each task before it is created
   * @throws UncheckedIOException if {@code tasksRoot} cannot be created
   */
  public TaskManager(
      Executor executor,
      Path tasksRoot,
      StatusListener listener,
      Clock clock,
      ThreadFactory threads,
      TaskSecrets secrets) {
    this.executor = Objects.requireNonNull(executor, "executor");
    this.tasksRoot = tasksRoot.toAbsolutePath().normalize();
    this.listener = Objects.requireNonNull(listener, "listener");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.threads = Objects.requireNonNull(threads, "threads");
    this.secrets = Objects.requireNonNull(secrets, "secrets");
    createPrivateDirectory(this.tasksRoot);
    executor.reclaimLeftovers(this.tasksRoot);
  }

  /**
   * Makes this node's tasks match {@code assigned}, the complete set of tasks the manager assigns
   * to it now; called on every assignment message. Returns without waiting for tasks to start or
   * stop. Idempotent: a task already known is never started again.
   *
   * <ul>
   *   <li>a new task with desired state RUNNING, which the manager has not seen beyond ASSIGNED, is
   *       started; one the manager saw accepted or running is reported FAILED as lost (this node
   *       does not run it, e.g. after an agent restart);
   *   <li>a task whose desired state is beyond RUNNING is stopped (grace: its spec's {@code
   *       stop_grace_period_ms}, else {@link #DEFAULT_STOP_GRACE}) and reported SHUTDOWN, unless it
   *       had already ended;
   *   <li>a known task missing from the set is stopped likewise, then its resources are removed and
   *       it is forgotten;
   *   <li>tasks the manager already sees as ended, and tasks not yet meant to run, are left alone.
   * </ul>
   *
   * After {@link #close()} this does nothing.
   */
  public synchronized void reconcile(List<Task> assigned) {
    if (closed) {
      return;
    }
    Map<String, Task> wanted = new LinkedHashMap<>();
    for (Task task : assigned) {
      wanted.put(task.getId(), task);
    }
    for (ManagedTask known : tasks.values()) {
      if (!wanted.containsKey(known.id())) {
        known.requestRemoval(stopGrace(known.task()));
      }
    }
    for (Task task : wanted.values()) {
      ManagedTask known = tasks.get(task.getId());
      if (known != null) {
        if (task.getDesiredStateValue() > TaskState.TASK_STATE_RUNNING_VALUE) {
          known.requestStop(stopGrace(task));
        }
      } else if (!removedIds.contains(task.getId())) {
        adopt(task);
      }
    }
  }

  private void adopt(Task task) {
    int status = task.getStatus().getStateValue();
    int desired = task.getDesiredStateValue();
    if (status >= TaskState.TASK_STATE_COMPLETE_VALUE
        || desired < TaskState.TASK_STATE_RUNNING_VALUE) {
      return;
    }
    boolean lost =
        desired == TaskState.TASK_STATE_RUNNING_VALUE
            && status > TaskState.TASK_STATE_ASSIGNED_VALUE;
    ManagedTask managed =
        new ManagedTask(
            task,
            lost ? ManagedTask.Plan.LOST : ManagedTask.Plan.RUN,
            tasksRoot,
            executor,
            secrets,
            listener,
            clock,
            threads,
            () -> forget(task.getId()));
    if (desired > TaskState.TASK_STATE_RUNNING_VALUE) {
      managed.requestStop(stopGrace(task));
    }
    tasks.put(task.getId(), managed);
    managed.launch();
  }

  private void forget(String taskId) {
    removedIds.add(taskId);
    tasks.remove(taskId);
  }

  /** The captured output of a task this manager still tracks, once its runner exists. */
  public Optional<LogBuffer> logs(String taskId) {
    ManagedTask managed = tasks.get(taskId);
    return managed == null ? Optional.empty() : managed.logs();
  }

  /** Ids of the tasks tracked now: running, or ended but still assigned, or being removed. */
  public Set<String> taskIds() {
    return Set.copyOf(tasks.keySet());
  }

  /**
   * Stops every task (each with its grace period), removes their resources and returns when all are
   * removed. Later {@link #reconcile} calls do nothing. If interrupted, returns early with the
   * interrupt flag set; removal goes on in the background.
   */
  @Override
  public void close() {
    List<ManagedTask> all;
    synchronized (this) {
      closed = true;
      all = List.copyOf(tasks.values());
    }
    for (ManagedTask managed : all) {
      managed.requestRemoval(stopGrace(managed.task()));
    }
    try {
      for (ManagedTask managed : all) {
        managed.awaitRemoved();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The task's stop grace period: its spec's, else {@link #DEFAULT_STOP_GRACE}. */
  static Duration stopGrace(Task task) {
    long millis = task.getSpec().getContainer().getStopGracePeriodMs();
    return millis > 0 ? Duration.ofMillis(millis) : DEFAULT_STOP_GRACE;
  }

  private static ThreadFactory virtualThreads() {
    return Thread.ofVirtual().name("baton-task-", 0).factory();
  }

  private static void createPrivateDirectory(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(
            dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the tasks directory " + dir, e);
    }
  }
}
