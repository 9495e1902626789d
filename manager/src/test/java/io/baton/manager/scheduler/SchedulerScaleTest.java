package io.baton.manager.scheduler;

import static io.baton.manager.scheduler.Fixtures.CPU;
import static io.baton.manager.scheduler.Fixtures.GIB;
import static io.baton.manager.scheduler.Fixtures.node;
import static io.baton.manager.scheduler.Fixtures.onNode;
import static io.baton.manager.scheduler.Fixtures.pending;
import static io.baton.manager.scheduler.Fixtures.withCapacity;
import static io.baton.manager.scheduler.Fixtures.withLabel;
import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.Node;
import io.baton.api.Placement;
import io.baton.api.Resources;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import io.baton.api.TaskState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;

/**
 * 50,000 tasks of 50 services on 1,000 nodes, on top of 10,000 running tasks: checks the plan's
 * correctness and prints how long scheduling took (no timing assertion; the bench module owns
 * performance targets).
 */
class SchedulerScaleTest {
  private static final int NODES = 1_000;
  private static final int SERVICES = 50;
  private static final int REPLICAS = 1_000;
  private static final int RACKS = 20;
  private static final int RUNNING_PER_NODE = 10;
  private static final Resources SMALL =
      Resources.newBuilder().setNanoCpus(CPU / 10).setMemoryBytes(128L << 20).build();

  private enum Kind { FREE, ZONED, SPREAD }

  private static Kind kind(int service) {
    return service < 40 ? Kind.FREE : service < 45 ? Kind.ZONED : Kind.SPREAD;
  }

  @Test
  void placesFiftyThousandTasksOnAThousandNodesEvenlyAndWithinCapacity() throws Exception {
    RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(2024);
    List<Node> nodes = new ArrayList<>(NODES);
    for (int i = 0; i < NODES; i++) {
      Node.Builder n = withLabel(withLabel(node(String.format("node%04d", i)), "zone", i % 2 == 0 ? "a" : "b"),
          "rack", "r" + (i % RACKS));
      nodes.add(withCapacity(n, (8 + i % 9) * CPU, (16 + i % 17) * GIB).build());
    }
    List<Task> unassigned = new ArrayList<>(SERVICES * REPLICAS);
    for (int s = 0; s < SERVICES; s++) {
      TaskSpec spec = specOf(s);
      for (int slot = 1; slot <= REPLICAS; slot++) {
        // Parsed back from bytes, as read from the store: no two tasks share a spec instance.
        unassigned.add(Task.parseFrom(pending("t" + s + "." + slot, "svc" + s, slot, spec).toByteArray()));
      }
    }
    Collections.shuffle(unassigned, random);
    List<Task> assigned = new ArrayList<>(NODES * RUNNING_PER_NODE);
    TaskSpec old = TaskSpec.newBuilder().setReservations(Resources.newBuilder().setNanoCpus(CPU / 20)).build();
    for (int i = 0; i < NODES * RUNNING_PER_NODE; i++) {
      assigned.add(onNode("old" + i, "old" + (i % 10), nodes.get(i % NODES).getId(), TaskState.TASK_STATE_RUNNING, old));
    }

    Scheduler scheduler = new Scheduler();
    long start = System.nanoTime();
    Plan plan = scheduler.schedule(nodes, unassigned, assigned);
    report("cold", start, plan);
    for (int run = 1; run <= 3; run++) {
      start = System.nanoTime();
      Plan again = scheduler.schedule(nodes, unassigned, assigned);
      report("warm " + run, start, again);
      assertThat(again).isEqualTo(plan);
    }

    assertThat(plan.unschedulable()).isEmpty();
    assertThat(plan.assignments()).hasSize(SERVICES * REPLICAS);
    assertThat(plan.assignments().stream().map(Assignment::taskId).distinct().count()).isEqualTo(SERVICES * REPLICAS);

    Map<String, Integer> nodeIndex = new HashMap<>();
    for (int i = 0; i < NODES; i++) {
      nodeIndex.put(nodes.get(i).getId(), i);
    }
    int[][] perServiceNode = new int[SERVICES][NODES];
    long[] cpu = new long[NODES];
    long[] memory = new long[NODES];
    for (Task t : assigned) {
      cpu[nodeIndex.get(t.getNodeId())] += t.getSpec().getReservations().getNanoCpus();
    }
    for (Assignment a : plan.assignments()) {
      int service = Integer.parseInt(a.taskId().substring(1, a.taskId().indexOf('.')));
      int n = nodeIndex.get(a.nodeId());
      perServiceNode[service][n]++;
      cpu[n] += SMALL.getNanoCpus();
      memory[n] += SMALL.getMemoryBytes();
    }
    for (int n = 0; n < NODES; n++) {
      assertThat(cpu[n]).as("CPU reserved on node %d", n).isLessThanOrEqualTo(nodes.get(n).getDescription().getNanoCpus());
      assertThat(memory[n]).as("memory reserved on node %d", n)
          .isLessThanOrEqualTo(nodes.get(n).getDescription().getMemoryBytes());
    }
    for (int s = 0; s < SERVICES; s++) {
      switch (kind(s)) {
        case FREE -> assertWithinOne("svc" + s + " over all nodes", perServiceNode[s], n -> true);
        case ZONED -> {
          assertWithinOne("svc" + s + " over zone a", perServiceNode[s], n -> n % 2 == 0);
          for (int n = 1; n < NODES; n += 2) {
            assertThat(perServiceNode[s][n]).as("svc%d on zone b node %d", s, n).isZero();
          }
        }
        case SPREAD -> {
          int[] perRack = new int[RACKS];
          for (int n = 0; n < NODES; n++) {
            perRack[n % RACKS] += perServiceNode[s][n];
          }
          assertWithinOne("svc" + s + " over racks", perRack, r -> true);
        }
      }
    }
  }

  private static TaskSpec specOf(int service) {
    Placement.Builder placement = Placement.newBuilder();
    switch (kind(service)) {
      case FREE -> { }
      case ZONED -> placement.addConstraints("node.labels.zone==a");
      case SPREAD -> placement.addSpread("node.labels.rack");
    }
    return TaskSpec.newBuilder().setReservations(SMALL).setPlacement(placement).build();
  }

  private static void assertWithinOne(String what, int[] counts, java.util.function.IntPredicate included) {
    IntSummaryStatistics stats = new IntSummaryStatistics();
    for (int i = 0; i < counts.length; i++) {
      if (included.test(i)) {
        stats.accept(counts[i]);
      }
    }
    assertThat(stats.getMax() - stats.getMin()).as("spread of %s (%s)", what, stats).isLessThanOrEqualTo(1);
  }

  private static void report(String run, long startNanos, Plan plan) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    System.out.printf("scheduler scale (%s): %,d tasks on %,d nodes in %.3f s = %,.0f tasks/s%n",
        run, plan.assignments().size(), NODES, seconds, plan.assignments().size() / seconds);
  }
}
