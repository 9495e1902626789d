package io.baton.manager.scheduler;

import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import io.baton.manager.orchestrator.TaskStates;
import io.baton.store.ClusterStore;
import io.baton.store.ReadView;
import io.baton.store.StoreException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Places pending tasks: one {@link Scheduler} plan over a consistent view, written to the store in
 * batches (a task is assigned only if it is still pending and unassigned when its batch commits).
 * Unschedulable tasks stay pending with the reason in their status message. Runs on the leader.
 */
public final class SchedulingPass {
  /** Assignments per transaction; keeps each Raft entry far below its size cap. */
  private static final int BATCH = 1_000;

  private final ClusterStore store;
  private final Clock clock;
  private final Scheduler scheduler = new Scheduler();

  public SchedulingPass(ClusterStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** Runs one pass; returns how many tasks were assigned. */
  public int run() throws StoreException {
    ReadView view = store.view();
    List<Task> unassigned = new ArrayList<>();
    List<Task> assigned = new ArrayList<>();
    for (Task task : view.tasks()) {
      if (TaskStates.isTerminal(task.getStatus().getState())) {
        continue;
      }
      if (task.getNodeId().isEmpty()) {
        if (task.getDesiredState() == TaskState.TASK_STATE_RUNNING) {
          unassigned.add(task);
        }
      } else {
        assigned.add(task);
      }
    }
    if (unassigned.isEmpty()) {
      return 0;
    }
    Plan plan = scheduler.schedule(view.nodes(), unassigned, assigned);
    long now = clock.millis();
    List<Assignment> assignments = plan.assignments();
    for (int from = 0; from < assignments.size(); from += BATCH) {
      List<Assignment> batch = assignments.subList(from, Math.min(assignments.size(), from + BATCH));
      store.update(tx -> {
        for (Assignment a : batch) {
          tx.task(a.taskId())
              .filter(t -> t.getNodeId().isEmpty() && t.getStatus().getState() == TaskState.TASK_STATE_PENDING)
              .filter(t -> t.getDesiredState() == TaskState.TASK_STATE_RUNNING)
              .ifPresent(t -> tx.put(TaskStates.withStatus(t.toBuilder().setNodeId(a.nodeId()).build(),
                  TaskStatus.newBuilder().setState(TaskState.TASK_STATE_ASSIGNED).setTimestampMs(now)
                      .setMessage("assigned to node " + a.nodeId()).build(), 10)));
        }
        return null;
      });
    }
    List<Unschedulable> stuck = plan.unschedulable();
    for (int from = 0; from < stuck.size(); from += BATCH) {
      List<Unschedulable> batch = stuck.subList(from, Math.min(stuck.size(), from + BATCH));
      store.update(tx -> {
        for (Unschedulable u : batch) {
          tx.task(u.taskId())
              .filter(t -> t.getNodeId().isEmpty() && !u.reason().equals(t.getStatus().getMessage()))
              .ifPresent(t -> tx.put(t.toBuilder()
                  .setStatus(t.getStatus().toBuilder().setMessage(u.reason()).setError(u.reason())).build()));
        }
        return null;
      });
    }
    return assignments.size();
  }
}
