package io.baton.manager.orchestrator;

import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import io.baton.store.Tx;

/**
 * Counts the writes an orchestrator pass makes in one transaction, so a pass stops before its
 * proposal outgrows one Raft entry; the loop runs again for the rest.
 */
public final class Writes {
  /** Tasks written per transaction: far below the store's 1.5 MiB entry cap even for large specs. */
  public static final int MAX_PER_TX = 500;

  private final Tx tx;
  private final int historyLimit;
  private int count;

  public Writes(Tx tx, int historyLimit) {
    this.tx = tx;
    this.historyLimit = historyLimit;
  }

  public boolean full() {
    return count >= MAX_PER_TX;
  }

  public void put(Task task) {
    tx.put(task);
    count++;
  }

  public void delete(String taskId) {
    tx.deleteTask(taskId);
    count++;
  }

  /**
   * Asks a task to stop (desired state shutdown) and says why in its status message. A task no
   * node has accepted yet (new, pending, assigned) has nothing to stop: it is shut down at once.
   */
  public void shutdown(Task task, String reason, long nowMs) {
    Task.Builder next = task.toBuilder().setDesiredState(TaskState.TASK_STATE_SHUTDOWN);
    if (task.getStatus().getState().getNumber() < TaskState.TASK_STATE_ACCEPTED_VALUE) {
      put(TaskStates.withStatus(next.build(), TaskStatus.newBuilder()
          .setState(TaskState.TASK_STATE_SHUTDOWN).setTimestampMs(nowMs).setMessage(reason).build(), historyLimit));
    } else {
      put(next.setStatus(task.getStatus().toBuilder().setMessage(reason)).build());
    }
  }
}
