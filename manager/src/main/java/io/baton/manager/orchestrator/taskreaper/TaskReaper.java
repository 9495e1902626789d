package io.baton.manager.orchestrator.taskreaper;

import io.baton.api.Service;
import io.baton.api.Task;
import io.baton.manager.orchestrator.TaskStates;
import io.baton.manager.orchestrator.Writes;
import io.baton.store.Tx;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Deletes finished tasks nobody needs: beyond the history kept per slot (per node for global
 * services), and those of removed services once they stopped (or never reached a node). Tasks of
 * a removed service that still run are asked to stop first.
 */
public final class TaskReaper {
  /** Finished tasks kept per slot, as Swarm's default task history limit. */
  public static final int DEFAULT_HISTORY = 5;

  private final int history;

  public TaskReaper(int history) {
    this.history = history;
  }

  /** Reaps the tasks of one existing service. */
  public void reap(Service service, List<Task> serviceTasks, Writes writes) {
    Map<String, List<Task>> slots = serviceTasks.stream()
        .collect(Collectors.groupingBy(t -> t.getSlot() + "/" + (t.getSlot() == 0 ? t.getNodeId() : "")));
    for (List<Task> slot : slots.values()) {
      List<Task> finished = slot.stream()
          .filter(t -> !TaskStates.isLive(t) && TaskStates.isTerminal(t.getStatus().getState()))
          .sorted(Comparator.comparingLong((Task t) -> t.getMeta().getCreatedAtMs()).reversed())
          .toList();
      for (Task old : finished.subList(Math.min(history, finished.size()), finished.size())) {
        if (writes.full()) {
          return;
        }
        writes.delete(old.getId());
      }
    }
  }

  /** Stops or deletes the tasks of services that no longer exist. */
  public void reapOrphans(Tx tx, Writes writes, long nowMs) {
    for (Task task : tx.tasks()) {
      if (writes.full()) {
        return;
      }
      if (tx.service(task.getServiceId()).isPresent()) {
        continue;
      }
      boolean gone = TaskStates.isTerminal(task.getStatus().getState())
          || task.getNodeId().isEmpty()
          || tx.node(task.getNodeId()).isEmpty();
      if (gone) {
        writes.delete(task.getId());
      } else if (TaskStates.isLive(task)) {
        writes.shutdown(task, "service was removed", nowMs);
      }
    }
  }
}
