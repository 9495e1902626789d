package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.NodeState;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceSpec;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.node.BatonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker that dies has its tasks rescheduled once it is marked down; when it comes back it stops
 * the copies the cluster no longer assigns to it, so a service never runs more copies than asked.
 */
@Timeout(180)
class NodeFailureTest {

  @Test
  void lostWorkersTasksMoveAndTheReturningWorkerStopsItsStaleCopies() throws Exception {
    try (TestCluster cluster = TestCluster.start(2, Duration.ofMillis(300), Duration.ofHours(24))) {
      var control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
      ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("resilient")
          .setReplicated(ReplicatedService.newBuilder().setReplicas(3));
      spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "300"));
      String serviceId = control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build())
          .getService().getId();
      await().atMost(Duration.ofSeconds(30)).until(() -> running(cluster, serviceId).size() == 3);

      BatonNode victim = cluster.workers().get(0);
      String victimId = victim.identity().nodeId();
      Path victimDir = victim.stateDir().root();
      List<String> stale = running(cluster, serviceId).stream()
          .filter(t -> t.getNodeId().equals(victimId)).map(Task::getId).toList();
      assertThat(stale).isNotEmpty();
      long killedAt = System.nanoTime();
      cluster.stop(victim);

      cluster.awaitState(victimId, NodeState.NODE_STATE_DOWN);
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
          .until(() -> running(cluster, serviceId).stream().filter(t -> !t.getNodeId().equals(victimId)).count() == 3);
      long movedMs = (System.nanoTime() - killedAt) / 1_000_000;
      System.out.println("tasks of a lost worker ran elsewhere after " + movedMs + " ms (heartbeat 300 ms)");

      BatonNode back = cluster.restart(victimDir, "worker1");
      cluster.awaitState(back.identity().nodeId(), NodeState.NODE_STATE_READY);
      await().atMost(Duration.ofSeconds(30)).until(() -> stale.stream().allMatch(id -> {
        TaskState state = cluster.store().view().task(id).map(t -> t.getStatus().getState())
            .orElse(TaskState.TASK_STATE_SHUTDOWN);
        return state.getNumber() >= TaskState.TASK_STATE_COMPLETE_VALUE;
      }));
      assertThat(running(cluster, serviceId)).hasSize(3);
    }
  }

  private static List<Task> running(TestCluster cluster, String serviceId) {
    return cluster.store().view().tasksOfService(serviceId).stream()
        .filter(t -> t.getDesiredState() == TaskState.TASK_STATE_RUNNING)
        .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING)
        .toList();
  }
}
