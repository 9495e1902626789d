package io.baton.manager.scheduler;

import static io.baton.manager.scheduler.Fixtures.CPU;
import static io.baton.manager.scheduler.Fixtures.GIB;
import static io.baton.manager.scheduler.Fixtures.node;
import static io.baton.manager.scheduler.Fixtures.onNode;
import static io.baton.manager.scheduler.Fixtures.pending;
import static io.baton.manager.scheduler.Fixtures.perNode;
import static io.baton.manager.scheduler.Fixtures.placed;
import static io.baton.manager.scheduler.Fixtures.reserving;
import static io.baton.manager.scheduler.Fixtures.spec;
import static io.baton.manager.scheduler.Fixtures.withAvailability;
import static io.baton.manager.scheduler.Fixtures.withCapacity;
import static io.baton.manager.scheduler.Fixtures.withLabel;
import static io.baton.manager.scheduler.Fixtures.withState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.Availability;
import io.baton.api.Node;
import io.baton.api.NodeMembership;
import io.baton.api.NodeRole;
import io.baton.api.NodeState;
import io.baton.api.Placement;
import io.baton.api.Resources;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SchedulerTest {
  private final Scheduler scheduler = new Scheduler();

  private static List<Task> replicas(String service, int count, TaskSpec spec) {
    return IntStream.rangeClosed(1, count)
        .mapToObj(slot -> pending(service + "." + slot, service, slot, spec))
        .toList();
  }

  private static List<Node> nodes(String... ids) {
    return Arrays.stream(ids).map(id -> node(id).build()).toList();
  }

  @Test
  void spreadsReplicasEvenlyOverThreeNodes() {
    Plan plan = scheduler.schedule(nodes("a", "b", "c"), replicas("web", 7, spec()), List.of());
    assertThat(plan.unschedulable()).isEmpty();
    assertThat(plan.assignments()).hasSize(7);
    assertThat(perNode(plan)).containsEntry("a", 3L).containsEntry("b", 2L).containsEntry("c", 2L);
  }

  @Test
  void fillsTheNodesWithFewestTasksOfTheServiceFirstThenFewestTasks() {
    List<Task> assigned = List.of(
        onNode("w1", "web", "a", TaskState.TASK_STATE_RUNNING, spec()),
        onNode("w2", "web", "a", TaskState.TASK_STATE_RUNNING, spec()),
        onNode("o1", "other", "b", TaskState.TASK_STATE_RUNNING, spec()),
        onNode("dead", "web", "c", TaskState.TASK_STATE_FAILED, spec()));
    Plan plan = scheduler.schedule(nodes("a", "b", "c"), replicas("web", 3, spec()), assigned);
    assertThat(plan.assignments())
        .containsExactly(new Assignment("web.1", "c"), new Assignment("web.2", "b"), new Assignment("web.3", "c"));
  }

  @Test
  void skipsDrainedPausedAndDownNodes() {
    List<Node> nodes = List.of(
        withAvailability(node("drained"), Availability.AVAILABILITY_DRAIN).build(),
        withAvailability(node("paused"), Availability.AVAILABILITY_PAUSE).build(),
        withState(node("down"), NodeState.NODE_STATE_DOWN).build(),
        withState(node("unknown"), NodeState.NODE_STATE_UNKNOWN).build(),
        node("ready").build());
    Plan plan = scheduler.schedule(nodes, replicas("web", 4, spec()), List.of());
    assertThat(perNode(plan)).isEqualTo(Map.of("ready", 4L));

    Plan none = scheduler.schedule(nodes.subList(0, 4), replicas("web", 2, spec()), List.of());
    assertThat(none.assignments()).isEmpty();
    assertThat(none.unschedulable()).containsExactly(
        new Unschedulable("web.1", "no suitable node (4 nodes not available for new tasks)"),
        new Unschedulable("web.2", "no suitable node (4 nodes not available for new tasks)"));
  }

  @Test
  void neverPlacesATaskOnANodeAwaitingJoinApprovalEvenIfItLooksReady() {
    Node.Builder builder = node("pending");
    builder.getSpecBuilder().setMembership(NodeMembership.NODE_MEMBERSHIP_PENDING);
    Node pending = builder.build();
    Plan plan = scheduler.schedule(List.of(pending, node("ready").build()), replicas("web", 3, spec()), List.of());
    assertThat(perNode(plan)).isEqualTo(Map.of("ready", 3L));
    Plan none = scheduler.schedule(List.of(pending), replicas("web", 1, spec()), List.of());
    assertThat(none.assignments()).isEmpty();
  }

  @Test
  void honoursConstraintsAndExplainsWhenNothingFits() {
    List<Node> nodes = List.of(
        withLabel(node("a"), "zone", "pci").build(),
        withLabel(node("b"), "zone", "dmz").build(),
        node("c").build(),
        withLabel(node("d"), "zone", "pci").setRole(NodeRole.NODE_ROLE_MANAGER).build());
    TaskSpec pci = placed(Placement.newBuilder().addConstraints("node.labels.zone==pci").addConstraints("node.role!=manager"));
    Plan plan = scheduler.schedule(nodes, replicas("db", 3, pci), List.of());
    assertThat(perNode(plan)).isEqualTo(Map.of("a", 3L));

    TaskSpec nowhere = placed(Placement.newBuilder().addConstraints("node.labels.zone==secret"));
    Plan none = scheduler.schedule(nodes, replicas("db", 1, nowhere), List.of());
    assertThat(none.assignments()).isEmpty();
    assertThat(none.unschedulable()).containsExactly(
        new Unschedulable("db.1", "no suitable node (scheduling constraints not satisfied on 4 nodes)"));
  }

  @Test
  void aTaskWithAnInvalidConstraintIsUnschedulableWithTheParseError() {
    TaskSpec bad = placed(Placement.newBuilder().addConstraints("node.labels.zone=pci"));
    Plan plan = scheduler.schedule(nodes("a"), replicas("db", 2, bad), List.of());
    assertThat(plan.assignments()).isEmpty();
    assertThat(plan.unschedulable()).extracting(Unschedulable::reason).containsOnly(
        "invalid placement constraint 'node.labels.zone=pci': '=' is not an operator: use '==' or '!='; "
            + "expected KEY==VALUE or KEY!=VALUE with KEY one of node.id, node.hostname, node.role (manager|worker), "
            + "node.labels.<label>, node.platform.os or node.platform.arch");

    TaskSpec badSpread = placed(Placement.newBuilder().addSpread("rack"));
    assertThat(scheduler.schedule(nodes("a"), replicas("db", 1, badSpread), List.of()).unschedulable())
        .extracting(Unschedulable::reason).singleElement().asString()
        .startsWith("invalid spread preference 'rack': unknown key 'rack'; use node.id");
  }

  @Test
  void honoursReservationsWithoutOvercommit() {
    List<Node> nodes = List.of(
        withCapacity(node("a"), 2 * CPU, 4 * GIB).build(),
        withCapacity(node("b"), 2 * CPU, 4 * GIB).build());
    List<Task> assigned = List.of(onNode("old", "other", "a", TaskState.TASK_STATE_RUNNING, reserving(CPU, 0)));
    Plan plan = scheduler.schedule(nodes, replicas("web", 4, reserving(CPU, GIB)), assigned);
    assertThat(perNode(plan)).isEqualTo(Map.of("a", 1L, "b", 2L));
    assertThat(plan.unschedulable()).containsExactly(
        new Unschedulable("web.4", "no suitable node (insufficient resources on 2 nodes)"));

    Plan memory = scheduler.schedule(nodes, replicas("cache", 5, reserving(0, 3 * GIB)), List.of());
    assertThat(perNode(memory)).isEqualTo(Map.of("a", 1L, "b", 1L));
    assertThat(memory.unschedulable()).extracting(Unschedulable::reason)
        .containsOnly("no suitable node (insufficient resources on 2 nodes)");
  }

  @Test
  void unknownCapacityIsUnlimitedAndTerminalTasksHoldNothing() {
    List<Node> nodes = List.of(withCapacity(node("a"), 0, 1 * GIB).build());
    List<Task> assigned = List.of(
        onNode("gone", "web", "a", TaskState.TASK_STATE_SHUTDOWN, reserving(0, GIB)),
        onNode("failed", "web", "a", TaskState.TASK_STATE_FAILED, reserving(0, GIB)));
    Plan plan = scheduler.schedule(nodes, replicas("web", 2, reserving(100 * CPU, GIB / 2)), assigned);
    assertThat(plan.assignments()).hasSize(2);
    assertThat(plan.unschedulable()).isEmpty();
  }

  @Test
  void maxReplicasPerNodeCountsExistingAndPlannedTasks() {
    TaskSpec one = placed(Placement.newBuilder().setMaxReplicasPerNode(1));
    List<Task> assigned = List.of(onNode("web.0", "web", "a", TaskState.TASK_STATE_RUNNING, one));
    Plan plan = scheduler.schedule(nodes("a", "b", "c"), replicas("web", 4, one), assigned);
    assertThat(perNode(plan)).isEqualTo(Map.of("b", 1L, "c", 1L));
    assertThat(plan.unschedulable()).extracting(Unschedulable::reason)
        .containsExactly("no suitable node (max replicas per node reached on 3 nodes)",
            "no suitable node (max replicas per node reached on 3 nodes)");
  }

  @Test
  void explainsEveryFilterThatRuledNodesOut() {
    List<Node> nodes = List.of(
        withAvailability(withLabel(node("a"), "zone", "pci"), Availability.AVAILABILITY_DRAIN).build(),
        node("b").build(),
        withCapacity(withLabel(node("c"), "zone", "pci"), CPU, 0).build(),
        withCapacity(withLabel(node("d"), "zone", "pci"), 8 * CPU, 0).build());
    TaskSpec pci = TaskSpec.newBuilder()
        .setPlacement(Placement.newBuilder().addConstraints("node.labels.zone==pci").setMaxReplicasPerNode(1))
        .setReservations(Resources.newBuilder().setNanoCpus(2 * CPU))
        .build();
    Plan plan = scheduler.schedule(nodes, replicas("db", 2, pci), List.of());
    assertThat(plan.assignments()).containsExactly(new Assignment("db.1", "d"));
    assertThat(plan.unschedulable()).containsExactly(new Unschedulable("db.2",
        "no suitable node (1 node not available for new tasks; scheduling constraints not satisfied on 1 node; "
            + "max replicas per node reached on 1 node; insufficient resources on 1 node)"));
  }

  @Test
  void anEmptyClusterSaysSo() {
    Plan plan = scheduler.schedule(List.of(), replicas("web", 1, spec()), List.of());
    assertThat(plan.unschedulable()).containsExactly(
        new Unschedulable("web.1", "no suitable node (the cluster has no nodes)"));
  }

  @Test
  void spreadsOverRackLabelNotOverNodes() {
    List<Node> nodes = List.of(
        withLabel(node("a1"), "rack", "A").build(),
        withLabel(node("b1"), "rack", "B").build(),
        withLabel(node("b2"), "rack", "B").build(),
        withLabel(node("b3"), "rack", "B").build());
    TaskSpec byRack = placed(Placement.newBuilder().addSpread("node.labels.rack"));
    Plan plan = scheduler.schedule(nodes, replicas("web", 8, byRack), List.of());
    assertThat(plan.unschedulable()).isEmpty();
    Map<String, Long> perNode = perNode(plan);
    assertThat(perNode.get("a1")).isEqualTo(4L);
    assertThat(perNode.get("b1") + perNode.get("b2") + perNode.get("b3")).isEqualTo(4L);
    assertThat(perNode.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(1L));

    Plan flat = scheduler.schedule(nodes, replicas("web", 8, spec()), List.of());
    assertThat(perNode(flat)).isEqualTo(Map.of("a1", 2L, "b1", 2L, "b2", 2L, "b3", 2L));
  }

  @Test
  void spreadCountsExistingTasksAndTreatsAMissingLabelAsItsOwnGroup() {
    List<Node> nodes = List.of(
        withLabel(node("a1"), "rack", "A").build(),
        withLabel(node("b1"), "rack", "B").build(),
        node("x1").build(),
        node("x2").build());
    TaskSpec byRack = placed(Placement.newBuilder().addSpread("node.labels.rack"));
    List<Task> assigned = List.of(
        onNode("old1", "web", "a1", TaskState.TASK_STATE_RUNNING, byRack),
        onNode("old2", "web", "a1", TaskState.TASK_STATE_STARTING, byRack));
    Plan plan = scheduler.schedule(nodes, replicas("web", 4, byRack), assigned);
    Map<String, Long> perNode = perNode(plan);
    assertThat(perNode.get("a1")).isNull();
    assertThat(perNode.get("b1")).isEqualTo(2L);
    assertThat(perNode.get("x1") + perNode.get("x2")).isEqualTo(2L);
  }

  @Test
  void nestedSpreadPreferencesBalanceEachLevel() {
    List<Node> nodes = new ArrayList<>();
    String[][] layout = {{"dc1", "r1"}, {"dc1", "r1"}, {"dc1", "r2"}, {"dc2", "r3"}};
    for (int i = 0; i < layout.length; i++) {
      nodes.add(withLabel(withLabel(node("n" + i), "dc", layout[i][0]), "rack", layout[i][1]).build());
    }
    TaskSpec spread = placed(Placement.newBuilder().addSpread("node.labels.dc").addSpread("node.labels.rack"));
    Plan plan = scheduler.schedule(nodes, replicas("web", 8, spread), List.of());
    Map<String, Long> perNode = perNode(plan);
    assertThat(perNode.get("n3")).isEqualTo(4L);
    assertThat(perNode.get("n2")).isEqualTo(2L);
    assertThat(perNode.get("n0") + perNode.get("n1")).isEqualTo(2L);
  }

  @Test
  void aSpreadGroupThatFillsUpLetsTheOthersTakeTheRest() {
    List<Node> nodes = List.of(
        withCapacity(withLabel(node("a1"), "rack", "A"), CPU, 0).build(),
        withLabel(node("b1"), "rack", "B").build());
    TaskSpec spec = TaskSpec.newBuilder()
        .setPlacement(Placement.newBuilder().addSpread("node.labels.rack"))
        .setReservations(Resources.newBuilder().setNanoCpus(CPU))
        .build();
    Plan plan = scheduler.schedule(nodes, replicas("web", 4, spec), List.of());
    assertThat(perNode(plan)).isEqualTo(Map.of("a1", 1L, "b1", 3L));
  }

  @Test
  void preassignedTasksGoOnlyToTheirNodeAndBeforeFreeOnes() {
    List<Node> nodes = List.of(
        withCapacity(node("a"), CPU, 0).build(),
        withCapacity(node("b"), CPU, 0).build(),
        withAvailability(node("drained"), Availability.AVAILABILITY_DRAIN).build());
    TaskSpec oneCpu = reserving(CPU, 0);
    Task globalA = pending("g.a", "global", 0, oneCpu).toBuilder().setNodeId("a").build();
    Task globalDrained = pending("g.d", "global", 0, oneCpu).toBuilder().setNodeId("drained").build();
    Task globalGone = pending("g.x", "global", 0, oneCpu).toBuilder().setNodeId("gone").build();
    List<Task> unassigned = new ArrayList<>(replicas("web", 2, oneCpu));
    unassigned.addAll(List.of(globalA, globalDrained, globalGone));
    Plan plan = scheduler.schedule(nodes, unassigned, List.of());
    assertThat(plan.assignments()).containsExactlyInAnyOrder(new Assignment("g.a", "a"), new Assignment("web.1", "b"));
    assertThat(plan.unschedulable()).containsExactlyInAnyOrder(
        new Unschedulable("g.d", "no suitable node (1 node not available for new tasks)"),
        new Unschedulable("g.x", "assigned node gone is not in the cluster"),
        new Unschedulable("web.2", "no suitable node (1 node not available for new tasks; insufficient resources on 2 nodes)"));
  }

  @Test
  void ignoresTasksThatAreNotWaitingToRun() {
    Task shuttingDown = pending("s", "web", 1, spec()).toBuilder().setDesiredState(TaskState.TASK_STATE_SHUTDOWN).build();
    Task running = onNode("r", "web", "", TaskState.TASK_STATE_RUNNING, spec());
    Plan plan = scheduler.schedule(nodes("a"), List.of(shuttingDown, running), List.of());
    assertThat(plan.assignments()).isEmpty();
    assertThat(plan.unschedulable()).isEmpty();
    assertThat(Scheduler.isSchedulable(pending("p", "web", 1, spec()))).isTrue();
    assertThat(Scheduler.isSchedulable(pending("p", "web", 1, spec()).toBuilder()
        .setStatus(TaskStatus.newBuilder().setState(TaskState.TASK_STATE_NEW)).build())).isTrue();
  }

  @Test
  void terminalStatesAreCompleteAndLater() {
    assertThat(Scheduler.isTerminal(TaskState.TASK_STATE_RUNNING)).isFalse();
    assertThat(Scheduler.isTerminal(TaskState.TASK_STATE_PENDING)).isFalse();
    assertThat(Scheduler.isTerminal(TaskState.TASK_STATE_COMPLETE)).isTrue();
    assertThat(Scheduler.isTerminal(TaskState.TASK_STATE_ORPHANED)).isTrue();
    assertThat(Scheduler.isTerminal(TaskState.UNRECOGNIZED)).isFalse();
  }

  @Test
  void duplicateNodeIdsAreRejected() {
    assertThatThrownBy(() -> scheduler.schedule(nodes("a", "a"), replicas("web", 1, spec()), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate node id a");
  }

  @Test
  void samePlanWhateverTheInputOrder() {
    RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(42);
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      nodes.add(withCapacity(withLabel(node(String.format("n%02d", i)), "rack", "r" + (i % 3)),
          4 * CPU, 8 * GIB).build());
    }
    List<Task> unassigned = new ArrayList<>();
    unassigned.addAll(replicas("web", 60, reserving(CPU / 2, GIB)));
    unassigned.addAll(replicas("api", 30, placed(Placement.newBuilder().addSpread("node.labels.rack"))));
    unassigned.addAll(replicas("db", 10, placed(Placement.newBuilder().addConstraints("node.labels.rack!=r0"))));
    List<Task> assigned = replicas("old", 25, reserving(CPU, 0)).stream()
        .map(t -> t.toBuilder().setNodeId("n0" + (t.getSlot() % 7))
            .setStatus(TaskStatus.newBuilder().setState(TaskState.TASK_STATE_RUNNING)).build())
        .toList();
    Plan first = scheduler.schedule(nodes, unassigned, assigned);
    assertThat(first.assignments()).hasSize(100);
    for (int round = 0; round < 5; round++) {
      List<Node> n = new ArrayList<>(nodes);
      List<Task> u = new ArrayList<>(unassigned);
      List<Task> a = new ArrayList<>(assigned);
      Collections.shuffle(n, random);
      Collections.shuffle(u, random);
      Collections.shuffle(a, random);
      Plan again = scheduler.schedule(n, u, a);
      assertThat(again).isEqualTo(first);
    }
  }

  @Test
  void randomClustersKeepEveryInvariant() {
    RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(7);
    for (int round = 0; round < 500; round++) {
      RandomCluster cluster = RandomCluster.generate(random);
      Plan plan = scheduler.schedule(cluster.nodes(), cluster.unassigned(), cluster.assigned());
      cluster.check(plan);
      cluster.checkChoices(plan);
    }
  }

  /** Task ids of a plan, in either list, to check each schedulable task appears once. */
  static List<String> decided(Plan plan) {
    return Stream.concat(
            plan.assignments().stream().map(Assignment::taskId),
            plan.unschedulable().stream().map(Unschedulable::taskId))
        .collect(Collectors.toList());
  }
}
