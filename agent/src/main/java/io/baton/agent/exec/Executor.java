package io.baton.agent.exec;

import io.baton.api.Task;

/**
 * Runs tasks on this node: the seam between the agent's task lifecycle ({@link TaskManager}) and a
 * way of running workloads (the embedded {@code process} executor, the {@code docker} executor, the
 * in-memory {@link FakeExecutor}).
 *
 * <p>An executor makes one {@link TaskRunner} per task and owns nothing per task itself: the runner
 * owns the task's resources, and whoever created the runner (the {@link TaskManager}) decides when
 * they are stopped and removed. Implementations are thread-safe.
 */
public interface Executor extends AutoCloseable {
  /** The executor's name as operators choose it: {@code --executor process|docker}. */
  String name();

  /**
   * Checks that this executor can run the task and returns its runner, without creating anything
   * on the node yet.
   *
   * @throws ExecutorException when the task cannot run here; its message is the user-facing reason
   */
  TaskRunner create(Task task, TaskContext context) throws ExecutorException;

  /**
   * Stops and removes whatever an earlier run of the agent left under {@code tasksRoot} (after a
   * crash or kill -9 no runner remains to do it), so a restarted node never keeps running copies
   * of tasks the cluster may have moved elsewhere. Called once, before the first task starts.
   */
  default void reclaimLeftovers(java.nio.file.Path tasksRoot) {}

  /** Releases executor-wide resources. Runners already created are not stopped. */
  @Override
  void close();
}
