package io.baton.manager.scheduler;

import io.baton.api.Availability;
import io.baton.api.Node;
import io.baton.api.NodeDescription;
import io.baton.api.NodeRole;
import io.baton.api.NodeSpec;
import io.baton.api.NodeState;
import io.baton.api.NodeStatus;
import io.baton.api.Placement;
import io.baton.api.Resources;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import java.util.Map;
import java.util.stream.Collectors;

/** Builders for the nodes and tasks scheduler tests feed in. */
final class Fixtures {
  static final long CPU = 1_000_000_000L;
  static final long GIB = 1L << 30;

  private Fixtures() {}

  /** A ready, active worker with unknown (unlimited) capacity. */
  static Node.Builder node(String id) {
    return Node.newBuilder()
        .setId(id)
        .setRole(NodeRole.NODE_ROLE_WORKER)
        .setSpec(NodeSpec.newBuilder().setAvailability(Availability.AVAILABILITY_ACTIVE))
        .setDescription(NodeDescription.newBuilder().setHostname("host-" + id).setOs("linux").setArch("amd64"))
        .setStatus(NodeStatus.newBuilder().setState(NodeState.NODE_STATE_READY));
  }

  static Node.Builder withLabel(Node.Builder node, String key, String value) {
    node.getSpecBuilder().putLabels(key, value);
    return node;
  }

  static Node.Builder withAvailability(Node.Builder node, Availability availability) {
    node.getSpecBuilder().setAvailability(availability);
    return node;
  }

  static Node.Builder withState(Node.Builder node, NodeState state) {
    node.getStatusBuilder().setState(state);
    return node;
  }

  static Node.Builder withCapacity(Node.Builder node, long nanoCpus, long memoryBytes) {
    node.getDescriptionBuilder().setNanoCpus(nanoCpus).setMemoryBytes(memoryBytes);
    return node;
  }

  static TaskSpec spec() {
    return TaskSpec.getDefaultInstance();
  }

  static TaskSpec reserving(long nanoCpus, long memoryBytes) {
    return TaskSpec.newBuilder()
        .setReservations(Resources.newBuilder().setNanoCpus(nanoCpus).setMemoryBytes(memoryBytes))
        .build();
  }

  static TaskSpec placed(Placement.Builder placement) {
    return TaskSpec.newBuilder().setPlacement(placement).build();
  }

  /** A pending task of the service, desired running, not yet on a node. */
  static Task pending(String id, String service, long slot, TaskSpec spec) {
    return Task.newBuilder()
        .setId(id)
        .setServiceId(service)
        .setSlot(slot)
        .setSpec(spec)
        .setDesiredState(TaskState.TASK_STATE_RUNNING)
        .setStatus(TaskStatus.newBuilder().setState(TaskState.TASK_STATE_PENDING))
        .build();
  }

  /** A task of the service already on a node, in the given state. */
  static Task onNode(String id, String service, String nodeId, TaskState state, TaskSpec spec) {
    return pending(id, service, 0, spec).toBuilder()
        .setNodeId(nodeId)
        .setStatus(TaskStatus.newBuilder().setState(state))
        .build();
  }

  /** Tasks per node id in the plan. */
  static Map<String, Long> perNode(Plan plan) {
    return plan.assignments().stream().collect(Collectors.groupingBy(Assignment::nodeId, Collectors.counting()));
  }
}
