package io.baton.agent.exec;

import java.time.Duration;

/**
 * One task's workload on this node, driven through {@code prepare → start → awaitExit → remove},
 * with {@link #stop} possible at any point.
 *
 * <p>The driver ({@link TaskManager}) calls {@code prepare}, {@code start} and {@code awaitExit} in
 * that order from one thread; {@link #stop}, {@link #logs} and {@link #remove} may be called from
 * any thread. Implementations are thread-safe.
 */
public interface TaskRunner {
  /**
   * Creates the task's resources (working directory, image, cgroup...) without starting anything.
   *
   * @throws ExecutorException with a user-facing reason when the resources cannot be created
   */
  void prepare() throws ExecutorException;

  /**
   * Starts the workload; returns once it runs.
   *
   * @throws ExecutorException with a user-facing reason (e.g. "command not found: foo") when it
   *     cannot start, or when {@link #stop} came first
   */
  void start() throws ExecutorException;

  /**
   * Blocks until the started workload has ended and its output has been collected into {@link
   * #logs()}.
   *
   * @throws IllegalStateException if {@link #start} has not succeeded
   */
  ExitStatus awaitExit() throws InterruptedException;

  /**
   * Asks the workload to end (SIGTERM to it and everything it started), then forces it (SIGKILL) if
   * it is still there after {@code grace}. Returns once the workload is gone. Idempotent: a later
   * call waits for the first one's outcome. Before {@link #start} it only prevents the start.
   */
  void stop(Duration grace);

  /**
   * Deletes the resources {@link #prepare} created, stopping the workload at once first if it still
   * runs. Idempotent; failures are logged, not thrown.
   */
  void remove();

  /** The task's captured output. */
  LogBuffer logs();
}
