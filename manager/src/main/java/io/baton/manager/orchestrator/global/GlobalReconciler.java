package io.baton.manager.orchestrator.global;

import io.baton.api.Availability;
import io.baton.api.Node;
import io.baton.api.NodeState;
import io.baton.api.Service;
import io.baton.api.Task;
import io.baton.manager.constraint.Constraint;
import io.baton.manager.constraint.InvalidConstraintException;
import io.baton.manager.orchestrator.NodeHealth;
import io.baton.manager.orchestrator.RestartSupervisor;
import io.baton.manager.orchestrator.TaskFactory;
import io.baton.manager.orchestrator.TaskStates;
import io.baton.manager.orchestrator.Writes;
import io.baton.manager.orchestrator.update.Updater;
import io.baton.store.JoinApproval;
import io.baton.store.Tx;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * Keeps one task of each global service on every eligible node: ready or not yet known down,
 * active, and matching the service's constraints. A node that joins later gets its task; a node
 * that is drained, goes down, stops matching or is removed has its task shut down. A paused node
 * keeps its task but gets no new one. Tasks are created already assigned to their node.
 */
public final class GlobalReconciler {
  private final TaskFactory tasks;

  public GlobalReconciler(TaskFactory tasks) {
    this.tasks = tasks;
  }

  /** Reconciles one service; returns the earliest delayed restart, if any. */
  public OptionalLong reconcile(Tx tx, Service service, long nowMs, Writes writes) {
    List<Constraint> constraints;
    try {
      constraints = Constraint.parseAll(service.getSpec().getTask().getPlacement().getConstraintsList());
    } catch (InvalidConstraintException e) {
      return OptionalLong.empty();
    }
    Map<String, List<Task>> byNode = tx.tasksOfService(service.getId()).stream()
        .collect(Collectors.groupingBy(Task::getNodeId));
    OptionalLong wake = OptionalLong.empty();
    for (Node node : tx.nodes()) {
      if (writes.full()) {
        break;
      }
      List<Task> nodeTasks = byNode.getOrDefault(node.getId(), List.of());
      boolean matches = constraints.stream().allMatch(c -> c.matches(node));
      var eviction = NodeHealth.evictionReason(java.util.Optional.of(node))
          .or(() -> matches ? java.util.Optional.empty() : java.util.Optional.of("node no longer matches the constraints"));
      if (eviction.isPresent()) {
        nodeTasks.stream().filter(TaskStates::isLive).forEach(t -> writes.shutdown(t, eviction.get(), nowMs));
        continue;
      }
      boolean acceptsNew = node.getSpec().getAvailability() == Availability.AVAILABILITY_ACTIVE
          && node.getStatus().getState() != NodeState.NODE_STATE_DOWN
          && !JoinApproval.isPending(node);
      OptionalLong due = reconcileNode(service, node, nodeTasks, acceptsNew, nowMs, writes);
      if (due.isPresent() && (wake.isEmpty() || due.getAsLong() < wake.getAsLong())) {
        wake = due;
      }
    }
    byNode.forEach((nodeId, nodeTasks) -> {
      if (!nodeId.isEmpty() && tx.node(nodeId).isEmpty()) {
        nodeTasks.stream().filter(TaskStates::isLive).forEach(t -> writes.shutdown(t, "node was removed", nowMs));
      }
    });
    return wake;
  }

  private OptionalLong reconcileNode(
      Service service, Node node, List<Task> nodeTasks, boolean acceptsNew, long nowMs, Writes writes) {
    var current = Updater.current(nodeTasks);
    if (current.isEmpty()) {
      if (acceptsNew) {
        writes.put(tasks.create(service, 0, node.getId(), nowMs, "global service task"));
      }
      return OptionalLong.empty();
    }
    Task task = current.get();
    if (TaskStates.isLive(task)) {
      if (task.getSpecVersion() != service.getTaskVersion() && acceptsNew) {
        writes.shutdown(task, "updating to task version " + service.getTaskVersion(), nowMs);
      }
      return OptionalLong.empty();
    }
    return RestartSupervisor.afterEnd(service.getSpec().getTask().getRestart(), task, nodeTasks, acceptsNew, nowMs,
        writes, () -> tasks.create(service, 0, node.getId(), nowMs, "replaces task " + task.getId()));
  }
}
