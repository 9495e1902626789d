package io.baton.manager.orchestrator.replicated;

import io.baton.api.Service;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.manager.orchestrator.NodeHealth;
import io.baton.manager.orchestrator.RestartSupervisor;
import io.baton.manager.orchestrator.TaskFactory;
import io.baton.manager.orchestrator.TaskStates;
import io.baton.manager.orchestrator.Writes;
import io.baton.manager.orchestrator.update.Updater;
import io.baton.store.Tx;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Keeps each replicated service at its replica count: one live task per slot 1..N. A slot whose
 * task ended gets a replacement as its restart policy says; a task on a node that went down, was
 * drained or removed is shut down and replaced at once; slots above N are shut down. Rolling
 * updates of slots running an old spec are left to the {@link Updater}.
 *
 * <p>Runs on the leader inside a store transaction; deterministic given the transaction's view
 * and {@code nowMs}.
 */
public final class ReplicatedReconciler {
  private final TaskFactory tasks;
  private final Updater updater;

  public ReplicatedReconciler(TaskFactory tasks, Updater updater) {
    this.tasks = tasks;
    this.updater = updater;
  }

  /**
   * Reconciles one service.
   *
   * @return the earliest time a delayed restart is due, if any
   */
  public OptionalLong reconcile(Tx tx, Service service, long nowMs, Writes writes) {
    long replicas = service.getSpec().getReplicated().getReplicas();
    Map<Long, List<Task>> slots = tx.tasksOfService(service.getId()).stream()
        .collect(Collectors.groupingBy(Task::getSlot, TreeMap::new, Collectors.toList()));
    OptionalLong wake = OptionalLong.empty();
    for (long slot = 1; slot <= replicas && !writes.full(); slot++) {
      List<Task> slotTasks = slots.getOrDefault(slot, List.of());
      OptionalLong due = reconcileSlot(tx, service, slot, slotTasks, nowMs, writes);
      if (due.isPresent() && (wake.isEmpty() || due.getAsLong() < wake.getAsLong())) {
        wake = due;
      }
    }
    for (var entry : slots.entrySet()) {
      if (entry.getKey() > replicas) {
        for (Task task : entry.getValue()) {
          if (TaskStates.isLive(task) && !writes.full()) {
            writes.shutdown(task, "service scaled down", nowMs);
          }
        }
      }
    }
    updater.advance(tx, service, slots, nowMs, writes);
    return wake;
  }

  private OptionalLong reconcileSlot(
      Tx tx, Service service, long slot, List<Task> slotTasks, long nowMs, Writes writes) {
    Task current = Updater.current(slotTasks).orElse(null);
    if (current == null) {
      writes.put(tasks.create(service, slot, "", nowMs, "new replica"));
      return OptionalLong.empty();
    }
    if (current.getStatus().getState() == TaskState.TASK_STATE_RUNNING) {
      for (Task older : slotTasks) {
        if (older != current && TaskStates.isLive(older) && !writes.full()) {
          writes.shutdown(older, "superseded by task " + current.getId(), nowMs);
        }
      }
    }
    if (TaskStates.isLive(current)) {
      var eviction = current.getNodeId().isEmpty()
          ? java.util.Optional.<String>empty()
          : NodeHealth.evictionReason(tx.node(current.getNodeId()));
      if (eviction.isPresent()) {
        writes.shutdown(current, eviction.get(), nowMs);
        writes.put(tasks.create(service, slot, "", nowMs, "replaces task " + current.getId() + ": " + eviction.get()));
      }
      return OptionalLong.empty();
    }
    Task ended = current;
    return RestartSupervisor.afterEnd(service.getSpec().getTask().getRestart(), current, slotTasks, true, nowMs,
        writes, () -> tasks.create(service, slot, "", nowMs, "replaces task " + ended.getId()));
  }
}
