package io.baton.bench;

import io.baton.api.Availability;
import io.baton.api.Node;
import io.baton.api.NodeDescription;
import io.baton.api.NodeRole;
import io.baton.api.NodeSpec;
import io.baton.api.NodeState;
import io.baton.api.NodeStatus;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import io.baton.manager.scheduler.Plan;
import io.baton.manager.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.List;

/**
 * Scheduler throughput on simulated nodes: one batch pass placing 50,000 pending tasks of 50 services
 * (a fifth of them constrained to a zone label, some with reservations) on 1,000 ready nodes, timed
 * over {@code --runs N} passes (default 5, after one warm-up). Target: at least 3,750 tasks/s on this
 * 2-core machine. Run: {@code scripts/bench.sh scheduler [--runs N]}.
 */
public final class SchedulerBench {
  private static final int NODES = 1_000;
  private static final int SERVICES = 50;
  private static final int TASKS_PER_SERVICE = 1_000;

  private SchedulerBench() {}

  public static void main(String[] args) {
    int runs = args.length == 2 && args[0].equals("--runs") ? Integer.parseInt(args[1]) : 5;
    List<Node> nodes = nodes();
    List<Task> tasks = tasks();
    Scheduler scheduler = new Scheduler();
    scheduler.schedule(nodes, tasks, List.of());
    List<Long> nanos = new ArrayList<>();
    int placed = 0;
    for (int r = 0; r < runs; r++) {
      long start = System.nanoTime();
      Plan plan = scheduler.schedule(nodes, tasks, List.of());
      nanos.add(System.nanoTime() - start);
      placed = plan.assignments().size();
    }
    Stats stats = Stats.ofNanos(nanos);
    System.out.printf("%nscheduler: %d tasks of %d services on %d nodes, %d passes%n", tasks.size(), SERVICES, NODES, runs);
    System.out.printf("placed %d; pass min / median / max: %.0f / %.0f / %.0f ms; median %.0f tasks/s (target 3,750)%n",
        placed, stats.minMs(), stats.medianMs(), stats.maxMs(), placed / (stats.medianMs() / 1000));
  }

  private static List<Node> nodes() {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      nodes.add(Node.newBuilder()
          .setId(String.format("node%021d", i))
          .setRole(NodeRole.NODE_ROLE_WORKER)
          .setSpec(NodeSpec.newBuilder().setAvailability(Availability.AVAILABILITY_ACTIVE)
              .putLabels("zone", i % 5 == 0 ? "pci" : "general").putLabels("rack", "r" + (i % 20)))
          .setStatus(NodeStatus.newBuilder().setState(NodeState.NODE_STATE_READY))
          .setDescription(NodeDescription.newBuilder().setHostname("host" + i)
              .setNanoCpus(64_000_000_000L).setMemoryBytes(256L << 30))
          .build());
    }
    return nodes;
  }

  private static List<Task> tasks() {
    List<Task> tasks = new ArrayList<>();
    for (int s = 0; s < SERVICES; s++) {
      TaskSpec.Builder spec = TaskSpec.newBuilder();
      spec.getContainerBuilder().setImage("busybox");
      if (s % 5 == 0) {
        spec.getPlacementBuilder().addConstraints("node.labels.zone==pci");
      }
      if (s % 7 == 0) {
        spec.getPlacementBuilder().addSpread("node.labels.rack");
      }
      if (s % 3 == 0) {
        spec.getReservationsBuilder().setNanoCpus(100_000_000L).setMemoryBytes(64L << 20);
      }
      for (int t = 1; t <= TASKS_PER_SERVICE; t++) {
        tasks.add(Task.newBuilder()
            .setId(String.format("s%02dt%020d", s, t))
            .setServiceId(String.format("service%018d", s))
            .setSlot(t)
            .setSpec(spec)
            .setDesiredState(TaskState.TASK_STATE_RUNNING)
            .setStatus(TaskStatus.newBuilder().setState(TaskState.TASK_STATE_PENDING))
            .build());
      }
    }
    return tasks;
  }
}
