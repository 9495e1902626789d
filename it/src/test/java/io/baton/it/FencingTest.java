package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceSpec;
import io.baton.node.BatonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A worker with --fence-after cut off from every manager stops its tasks itself; one without keeps them. */
@Timeout(120)
class FencingTest {

  @Test
  void cutOffWorkerStopsItsTasksOnlyWhenFenced() throws Exception {
    try (TestCluster cluster = TestCluster.start(0, Duration.ofMillis(500), Duration.ofHours(24))) {
      BatonNode fenced = cluster.addWorker(Duration.ofSeconds(1));
      BatonNode unfenced = cluster.addWorker();
      var control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
      for (BatonNode worker : List.of(fenced, unfenced)) {
        ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("singleton-" + worker.identity().nodeId().substring(0, 6))
            .setReplicated(ReplicatedService.newBuilder().setReplicas(1));
        spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "300"));
        spec.getTaskBuilder().getPlacementBuilder().addConstraints("node.id==" + worker.identity().nodeId());
        control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build());
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> fenced.tasks().taskIds().size() == 1
          && unfenced.tasks().taskIds().size() == 1);

      cluster.stop(cluster.manager());

      await().atMost(Duration.ofSeconds(15)).until(() -> fenced.fence().fenced() && fenced.tasks().taskIds().isEmpty());
      assertThat(unfenced.fence()).isNull();
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
          .until(() -> unfenced.tasks().taskIds().size() == 1);
    }
  }
}
