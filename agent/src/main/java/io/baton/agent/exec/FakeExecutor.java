package io.baton.agent.exec;

import io.baton.api.Task;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;

/**
 * The in-memory twin of a real executor, for tests of the agent and of other modules (DESIGN §9):
 * nothing runs. A started task "runs" until the test calls {@link #exit} or the agent stops it
 * (which ends it at once with exit code 143, as SIGTERM would). Every call the agent makes is
 * recorded, and {@link #failOn} makes chosen steps fail with a given reason.
 *
 * <p>Thread-safe. Task ids are the keys: each task id is expected to be created once.
 */
public final class FakeExecutor implements Executor {
  /** Exit code of a fake task stopped by the agent: 128 + SIGTERM. */
  public static final int STOPPED_EXIT_CODE = 143;

  /** A call the agent made on the executor or on one of its runners. */
  public enum Step {
    CREATE,
    PREPARE,
    START,
    STOP,
    REMOVE
  }

  /** One recorded call. */
  public record Call(String taskId, Step step) {}

  private record Failure(Step step, Predicate<Task> which, String message) {}

  private final Clock clock;
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final List<Failure> failures = new CopyOnWriteArrayList<>();
  private final Map<String, FakeRunner> runners = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** A fake whose log lines are stamped by {@code clock}. */
  public FakeExecutor(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public FakeExecutor() {
    this(Clock.systemUTC());
  }

  @Override
  public String name() {
    return "fake";
  }

  /**
   * Makes {@code step} (CREATE, PREPARE or START) throw an {@link ExecutorException} with {@code
   * message} for tasks matching {@code which}. Returns this fake.
   */
  public FakeExecutor failOn(Step step, Predicate<Task> which, String message) {
    if (step != Step.CREATE && step != Step.PREPARE && step != Step.START) {
      throw new IllegalArgumentException("only CREATE, PREPARE and START can fail: " + step);
    }
    failures.add(new Failure(step, which, message));
    return this;
  }

  @Override
  public TaskRunner create(Task task, TaskContext context) throws ExecutorException {
    if (closed) {
      throw new ExecutorException("executor closed");
    }
    record(task, Step.CREATE);
    FakeRunner runner = new FakeRunner(task, context);
    runners.put(task.getId(), runner);
    return runner;
  }

  /**
   * Ends the task's workload with {@code exitCode} ("task exited with code N"). If it has not
   * started yet, it will end as soon as it starts.
   *
   * @throws IllegalStateException if no runner was created for the task
   */
  public void exit(String taskId, int exitCode) {
    runner(taskId).exit.complete(new ExitStatus(exitCode, "task exited with code " + exitCode));
  }

  /** Adds a line to the task's logs as if the workload printed it. */
  public void print(String taskId, LogLine.Source source, String text) {
    runner(taskId).logs.append(source, text);
  }

  /** Every call recorded, in order. */
  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The steps recorded for one task, in order. */
  public List<Step> steps(String taskId) {
    List<Step> steps = new ArrayList<>();
    for (Call call : calls) {
      if (call.taskId().equals(taskId)) {
        steps.add(call.step());
      }
    }
    return steps;
  }

  /** The context the task was created with, if it was. */
  public Optional<TaskContext> context(String taskId) {
    return Optional.ofNullable(runners.get(taskId)).map(r -> r.context);
  }

  /** The grace period of the first stop request for the task, if it was stopped. */
  public Optional<Duration> stopGrace(String taskId) {
    return Optional.ofNullable(runners.get(taskId)).map(r -> r.stopGrace);
  }

  /** Whether the task's workload has started and not ended. */
  public boolean isRunning(String taskId) {
    FakeRunner runner = runners.get(taskId);
    return runner != null && runner.started && !runner.exit.isDone();
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
  }

  private FakeRunner runner(String taskId) {
    FakeRunner runner = runners.get(taskId);
    if (runner == null) {
      throw new IllegalStateException("no runner for task " + taskId);
    }
    return runner;
  }

  private void record(Task task, Step step) throws ExecutorException {
    calls.add(new Call(task.getId(), step));
    for (Failure failure : failures) {
      if (failure.step() == step && failure.which().test(task)) {
        throw new ExecutorException(failure.message());
      }
    }
  }

  private final class FakeRunner implements TaskRunner {
    private final Task task;
    private final TaskContext context;
    private final LogBuffer logs = new LogBuffer(clock);
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private volatile boolean started;
    private volatile Duration stopGrace;

    FakeRunner(Task task, TaskContext context) {
      this.task = task;
      this.context = context;
    }

    @Override
    public void prepare() throws ExecutorException {
      record(task, Step.PREPARE);
    }

    @Override
    public synchronized void start() throws ExecutorException {
      record(task, Step.START);
      if (stopGrace != null) {
        throw new ExecutorException("task stopped before it started");
      }
      started = true;
    }

    @Override
    public ExitStatus awaitExit() throws InterruptedException {
      if (!started) {
        throw new IllegalStateException("task not started");
      }
      try {
        return exit.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void stop(Duration grace) {
      calls.add(new Call(task.getId(), Step.STOP));
      synchronized (this) {
        if (stopGrace == null) {
          stopGrace = grace;
        }
      }
      exit.complete(
          new ExitStatus(
              STOPPED_EXIT_CODE, "task exited with code " + STOPPED_EXIT_CODE + " after SIGTERM"));
    }

    @Override
    public void remove() {
      calls.add(new Call(task.getId(), Step.REMOVE));
      exit.complete(new ExitStatus(137, "task killed: removed"));
    }

    @Override
    public LogBuffer logs() {
      return logs;
    }
  }
}
