package io.baton.manager.scheduler;

import static io.baton.manager.scheduler.Fixtures.CPU;
import static io.baton.manager.scheduler.Fixtures.GIB;
import static io.baton.manager.scheduler.Fixtures.node;
import static io.baton.manager.scheduler.Fixtures.onNode;
import static io.baton.manager.scheduler.Fixtures.pending;
import static io.baton.manager.scheduler.Fixtures.withAvailability;
import static io.baton.manager.scheduler.Fixtures.withCapacity;
import static io.baton.manager.scheduler.Fixtures.withLabel;
import static io.baton.manager.scheduler.Fixtures.withState;
import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.Availability;
import io.baton.api.Node;
import io.baton.api.NodeRole;
import io.baton.api.NodeState;
import io.baton.api.Placement;
import io.baton.api.Resources;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import io.baton.api.TaskState;
import io.baton.manager.constraint.Constraint;
import io.baton.manager.constraint.InvalidConstraintException;
import io.baton.manager.constraint.NodeAttribute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * A random cluster (node states, labels, capacities, existing tasks, services with random
 * constraints, reservations, limits and spread) and the invariants any plan for it must keep,
 * checked independently of the scheduler's own data structures.
 */
record RandomCluster(List<Node> nodes, List<Task> unassigned, List<Task> assigned) {

  private static final String[] ZONES = {"a", "b", "c"};
  private static final String[] CONSTRAINTS = {
      "node.labels.zone==a", "node.labels.zone!=b", "node.role==worker", "node.role!=worker",
      "node.labels.rack==r1", "node.platform.os==linux", "node.labels.ssd==true"};

  static RandomCluster generate(RandomGenerator random) {
    List<Node> nodes = new ArrayList<>();
    int nodeCount = random.nextInt(0, random.nextBoolean() ? 6 : 30);
    for (int i = 0; i < nodeCount; i++) {
      Node.Builder n = node("node" + i);
      if (random.nextInt(6) == 0) {
        withAvailability(n, random.nextBoolean() ? Availability.AVAILABILITY_DRAIN : Availability.AVAILABILITY_PAUSE);
      }
      if (random.nextInt(6) == 0) {
        withState(n, NodeState.NODE_STATE_DOWN);
      }
      if (random.nextInt(4) > 0) {
        withLabel(n, "zone", ZONES[random.nextInt(ZONES.length)]);
      }
      if (random.nextBoolean()) {
        withLabel(n, "rack", "r" + random.nextInt(3));
      }
      if (random.nextInt(3) == 0) {
        withLabel(n, "ssd", "true");
      }
      if (random.nextInt(4) == 0) {
        n.setRole(NodeRole.NODE_ROLE_MANAGER);
      }
      if (random.nextInt(5) > 0) {
        withCapacity(n, random.nextInt(0, 9) * CPU, random.nextInt(0, 9) * GIB);
      }
      nodes.add(n.build());
    }
    List<Task> unassigned = new ArrayList<>();
    List<Task> assigned = new ArrayList<>();
    int services = random.nextInt(1, 6);
    for (int s = 0; s < services; s++) {
      String service = "svc" + s;
      TaskSpec spec = randomSpec(random);
      int existing = nodes.isEmpty() ? 0 : random.nextInt(0, 6);
      for (int t = 0; t < existing; t++) {
        TaskState state = random.nextInt(4) == 0 ? TaskState.TASK_STATE_FAILED : TaskState.TASK_STATE_RUNNING;
        String nodeId = nodes.get(random.nextInt(nodes.size())).getId();
        assigned.add(onNode(service + ".old" + t, service, nodeId, state, spec));
      }
      boolean global = random.nextInt(5) == 0;
      int count = random.nextInt(0, 40);
      for (int t = 1; t <= count; t++) {
        Task task = pending(service + "." + t, service, global ? 0 : t, spec);
        if (global) {
          task = task.toBuilder().setNodeId(random.nextInt(8) == 0 ? "gone" : "node" + (t - 1)).build();
        }
        unassigned.add(task);
      }
    }
    return new RandomCluster(nodes, unassigned, assigned);
  }

  private static TaskSpec randomSpec(RandomGenerator random) {
    Placement.Builder placement = Placement.newBuilder();
    for (int c = random.nextInt(0, 3); c > 0; c--) {
      placement.addConstraints(CONSTRAINTS[random.nextInt(CONSTRAINTS.length)]);
    }
    if (random.nextInt(3) == 0) {
      placement.addSpread("node.labels.zone");
    }
    if (random.nextInt(4) == 0) {
      placement.addSpread("node.labels.rack");
    }
    if (random.nextInt(3) == 0) {
      placement.setMaxReplicasPerNode(random.nextInt(1, 4));
    }
    Resources.Builder reservations = Resources.newBuilder();
    if (random.nextBoolean()) {
      reservations.setNanoCpus(random.nextInt(1, 5) * CPU / 2);
    }
    if (random.nextBoolean()) {
      reservations.setMemoryBytes(random.nextInt(1, 5) * GIB / 2);
    }
    return TaskSpec.newBuilder().setPlacement(placement).setReservations(reservations).build();
  }

  /** Checks the plan against every invariant of the scheduler's contract. */
  void check(Plan plan) {
    assertThat(SchedulerTest.decided(plan))
        .containsExactlyInAnyOrderElementsOf(unassigned.stream().map(Task::getId).toList());
    Map<String, Task> tasks = unassigned.stream().collect(Collectors.toMap(Task::getId, t -> t));
    Map<String, Node> byId = nodes.stream().collect(Collectors.toMap(Node::getId, n -> n));
    Map<String, long[]> usage = new HashMap<>();
    Map<String, Integer> perServiceNode = new HashMap<>();
    List<Task> live = new ArrayList<>();
    for (Task t : assigned) {
      if (!Scheduler.isTerminal(t.getStatus().getState())) {
        live.add(t);
      }
    }
    for (Assignment a : plan.assignments()) {
      Task t = tasks.get(a.taskId());
      Node n = byId.get(a.nodeId());
      assertThat(n).as("node of %s", a).isNotNull();
      assertThat(available(n)).as("%s on an available node", a).isTrue();
      assertThat(matches(t, n)).as("%s satisfies its constraints", a).isTrue();
      if (!t.getNodeId().isEmpty()) {
        assertThat(a.nodeId()).isEqualTo(t.getNodeId());
      }
      live.add(t.toBuilder().setNodeId(a.nodeId()).build());
    }
    for (Task t : live) {
      long[] u = usage.computeIfAbsent(t.getNodeId(), k -> new long[2]);
      u[0] += t.getSpec().getReservations().getNanoCpus();
      u[1] += t.getSpec().getReservations().getMemoryBytes();
      perServiceNode.merge(t.getServiceId() + "@" + t.getNodeId(), 1, Integer::sum);
    }
    for (Assignment a : plan.assignments()) {
      Task t = tasks.get(a.taskId());
      Node n = byId.get(a.nodeId());
      long[] u = usage.get(a.nodeId());
      Resources want = t.getSpec().getReservations();
      if (want.getNanoCpus() > 0 && n.getDescription().getNanoCpus() > 0) {
        assertThat(u[0]).as("CPU on %s", n.getId()).isLessThanOrEqualTo(n.getDescription().getNanoCpus());
      }
      if (want.getMemoryBytes() > 0 && n.getDescription().getMemoryBytes() > 0) {
        assertThat(u[1]).as("memory on %s", n.getId()).isLessThanOrEqualTo(n.getDescription().getMemoryBytes());
      }
      int max = t.getSpec().getPlacement().getMaxReplicasPerNode();
      if (max > 0) {
        assertThat(perServiceNode.get(t.getServiceId() + "@" + a.nodeId())).isLessThanOrEqualTo(max);
      }
    }
    for (Unschedulable u : plan.unschedulable()) {
      Task t = tasks.get(u.taskId());
      List<Node> candidates = t.getNodeId().isEmpty()
          ? nodes
          : nodes.stream().filter(n -> n.getId().equals(t.getNodeId())).toList();
      for (Node n : candidates) {
        long[] used = usage.getOrDefault(n.getId(), new long[2]);
        int ofService = perServiceNode.getOrDefault(t.getServiceId() + "@" + n.getId(), 0);
        assertThat(fits(t, n, used, ofService)).as("%s left pending although %s could take it", u, n.getId()).isFalse();
      }
      assertThat(u.reason()).isNotBlank();
    }
  }

  /**
   * Replays the assignments in plan order against a brute-force reading of the contract: each
   * must go to the minimum, over the nodes passing every filter at that point, of (service tasks
   * in the node's group per spread level, service tasks on the node, tasks on the node, node id).
   */
  void checkChoices(Plan plan) {
    Map<String, Task> tasks = unassigned.stream().collect(Collectors.toMap(Task::getId, t -> t));
    List<Task> live = new ArrayList<>();
    for (Task t : assigned) {
      if (!Scheduler.isTerminal(t.getStatus().getState()) && nodes.stream().anyMatch(n -> n.getId().equals(t.getNodeId()))) {
        live.add(t);
      }
    }
    for (Assignment a : plan.assignments()) {
      Task t = tasks.get(a.taskId());
      List<Node> fixed = nodes.stream()
          .filter(n -> t.getNodeId().isEmpty() || n.getId().equals(t.getNodeId()))
          .filter(n -> available(n) && matches(t, n))
          .toList();
      Map<String, long[]> usage = new HashMap<>();
      Map<String, Integer> ofService = new HashMap<>();
      Map<String, Integer> total = new HashMap<>();
      for (Task l : live) {
        long[] u = usage.computeIfAbsent(l.getNodeId(), k -> new long[2]);
        u[0] += l.getSpec().getReservations().getNanoCpus();
        u[1] += l.getSpec().getReservations().getMemoryBytes();
        total.merge(l.getNodeId(), 1, Integer::sum);
        if (l.getServiceId().equals(t.getServiceId())) {
          ofService.merge(l.getNodeId(), 1, Integer::sum);
        }
      }
      List<String> spread = t.getNodeId().isEmpty() ? t.getSpec().getPlacement().getSpreadList() : List.of();
      Map<String, Integer> perGroup = new HashMap<>();
      for (Node n : fixed) {
        for (int level = 1; level <= spread.size(); level++) {
          perGroup.merge(path(n, spread, level), ofService.getOrDefault(n.getId(), 0), Integer::sum);
        }
      }
      java.util.Comparator<Node> preference = (x, y) -> {
        for (int level = 1; level <= spread.size(); level++) {
          int c = Integer.compare(perGroup.get(path(x, spread, level)), perGroup.get(path(y, spread, level)));
          if (c != 0) {
            return c;
          }
        }
        int c = Integer.compare(ofService.getOrDefault(x.getId(), 0), ofService.getOrDefault(y.getId(), 0));
        if (c == 0) {
          c = Integer.compare(total.getOrDefault(x.getId(), 0), total.getOrDefault(y.getId(), 0));
        }
        return c != 0 ? c : x.getId().compareTo(y.getId());
      };
      Node best = fixed.stream()
          .filter(n -> fits(t, n, usage.getOrDefault(n.getId(), new long[2]), ofService.getOrDefault(n.getId(), 0)))
          .min(preference)
          .orElseThrow();
      assertThat(a.nodeId()).as("node chosen for %s", a.taskId()).isEqualTo(best.getId());
      live.add(t.toBuilder().setNodeId(a.nodeId()).build());
    }
  }

  private static String path(Node n, List<String> spread, int levels) {
    StringBuilder path = new StringBuilder();
    for (String key : spread.subList(0, levels)) {
      try {
        String value = NodeAttribute.parse(key).read(n);
        path.append(value == null ? "\u0001absent" : value).append('\u0000');
      } catch (InvalidConstraintException e) {
        throw new AssertionError(e);
      }
    }
    return path.toString();
  }

  private static boolean available(Node n) {
    return n.getStatus().getState() == NodeState.NODE_STATE_READY
        && n.getSpec().getAvailability() == Availability.AVAILABILITY_ACTIVE;
  }

  private static boolean matches(Task t, Node n) {
    try {
      return Constraint.parseAll(t.getSpec().getPlacement().getConstraintsList()).stream().allMatch(c -> c.matches(n));
    } catch (InvalidConstraintException e) {
      return false;
    }
  }

  private static boolean fits(Task t, Node n, long[] used, int ofService) {
    Resources want = t.getSpec().getReservations();
    long cpu = n.getDescription().getNanoCpus();
    long mem = n.getDescription().getMemoryBytes();
    int max = t.getSpec().getPlacement().getMaxReplicasPerNode();
    return available(n) && matches(t, n)
        && (max == 0 || ofService < max)
        && (want.getNanoCpus() == 0 || cpu == 0 || used[0] + want.getNanoCpus() <= cpu)
        && (want.getMemoryBytes() == 0 || mem == 0 || used[1] + want.getMemoryBytes() <= mem);
  }
}
