package io.baton.manager.orchestrator;

import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import io.baton.manager.scheduler.Scheduler;

/** Facts about task states shared by the orchestrators and the dispatcher. */
public final class TaskStates {
  private TaskStates() {}

  /** A task in this state has finished for good (complete, shut down, failed, rejected, orphaned). */
  public static boolean isTerminal(TaskState state) {
    return Scheduler.isTerminal(state);
  }

  /** The task ended by failing (as opposed to completing or being shut down). */
  public static boolean isFailure(TaskState state) {
    return state == TaskState.TASK_STATE_FAILED || state == TaskState.TASK_STATE_REJECTED;
  }

  /** The task should be running and is not yet finished. */
  public static boolean isLive(Task task) {
    return task.getDesiredState().getNumber() <= TaskState.TASK_STATE_RUNNING_VALUE
        && !isTerminal(task.getStatus().getState());
  }

  /**
   * The task with a new current status, the old one moved to the history (which keeps the last
   * {@code historyLimit} entries).
   */
  public static Task withStatus(Task task, TaskStatus status, int historyLimit) {
    Task.Builder next = task.toBuilder().setStatus(status);
    if (task.hasStatus()) {
      next.addHistory(task.getStatus());
    }
    while (next.getHistoryCount() > historyLimit) {
      next.removeHistory(0);
    }
    return next.build();
  }
}
