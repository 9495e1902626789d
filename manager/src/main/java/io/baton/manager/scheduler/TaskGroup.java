package io.baton.manager.scheduler;

import io.baton.api.Placement;
import io.baton.api.Resources;
import io.baton.api.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tasks the scheduler treats alike, so their candidate nodes are filtered and ordered once: same
 * service, same reservations, same placement, and the same preassigned node (empty for tasks the
 * scheduler may put anywhere).
 */
record TaskGroup(String serviceId, Resources reservations, Placement placement, String nodeId, List<Task> tasks) {

  private record Key(String serviceId, Resources reservations, Placement placement, String nodeId) {}

  /** Groups the tasks, keeping their order both across groups (by first task) and within each. */
  static List<TaskGroup> of(List<Task> tasks) {
    Map<Key, List<Task>> groups = new LinkedHashMap<>();
    for (Task task : tasks) {
      Key key = new Key(task.getServiceId(), task.getSpec().getReservations(),
          task.getSpec().getPlacement(), task.getNodeId());
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(task);
    }
    List<TaskGroup> out = new ArrayList<>(groups.size());
    groups.forEach((k, v) -> out.add(new TaskGroup(k.serviceId(), k.reservations(), k.placement(), k.nodeId(), v)));
    return out;
  }

  boolean preassigned() {
    return !nodeId.isEmpty();
  }
}
