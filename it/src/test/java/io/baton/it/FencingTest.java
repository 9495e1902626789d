package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.NodeState;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceSpec;
import io.baton.node.BatonNode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker with --fence-after cut off from every manager stops its tasks itself, before the managers
 * mark it down and reschedule them; one without keeps them.
 */
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

  /**
   * A partition is a black hole, not a closed connection: the worker's heartbeats and status reports
   * hang until their deadlines. The fence must still fire on time. Regression: it shared the node's two
   * scheduler threads with those calls, so it fired only after the 5 s call deadline — after the
   * managers (3 periods of 1 s) had marked the node down, so a singleton could run twice.
   */
  @Test
  void blackHoledWorkerStopsItsTasksBeforeTheManagerMarksItDown() throws Exception {
    List<Wiretap> taps = new CopyOnWriteArrayList<>();
    TestCluster.Advertiser tapped = port -> {
      taps.add(Wiretap.between(new InetSocketAddress("127.0.0.2", port), new InetSocketAddress("127.0.0.1", port)));
      return "127.0.0.2:" + port;
    };
    try (TestCluster cluster = TestCluster.startAdvertised(0, Duration.ofSeconds(1), tapped)) {
      BatonNode worker = cluster.addWorker(Duration.ofSeconds(1));
      String nodeId = worker.identity().nodeId();
      var control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
      ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("singleton")
          .setReplicated(ReplicatedService.newBuilder().setReplicas(1));
      spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "300"));
      spec.getTaskBuilder().getPlacementBuilder().addConstraints("node.id==" + nodeId);
      control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build());
      await().atMost(Duration.ofSeconds(30)).until(() -> worker.tasks().taskIds().size() == 1);

      taps.forEach(Wiretap::partition);
      long[] fencedAt = {0};
      long[] downAt = {0};
      try {
        await().pollInterval(Duration.ofMillis(20)).atMost(Duration.ofSeconds(20)).until(() -> {
          long now = System.nanoTime();
          if (fencedAt[0] == 0 && worker.tasks().taskIds().isEmpty()) {
            fencedAt[0] = now;
          }
          if (downAt[0] == 0 && cluster.store().view().node(nodeId)
              .map(n -> n.getStatus().getState() == NodeState.NODE_STATE_DOWN).orElse(false)) {
            downAt[0] = now;
          }
          return fencedAt[0] != 0 && downAt[0] != 0;
        });
      } finally {
        taps.forEach(Wiretap::heal);
      }
      assertThat(fencedAt[0]).as("the worker's tasks stopped before the manager marked it down (%d ms apart)",
          (downAt[0] - fencedAt[0]) / 1_000_000).isLessThan(downAt[0]);
      await().atMost(Duration.ofSeconds(20)).until(() -> !worker.fence().fenced());
    } finally {
      for (Wiretap tap : taps) {
        tap.close();
      }
    }
  }
}
