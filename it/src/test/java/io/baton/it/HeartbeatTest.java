package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.NodeState;
import io.baton.node.BatonNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Node liveness: missed heartbeats mark a node down, a reconnect marks it ready again. */
@Timeout(180)
class HeartbeatTest {

  @Test
  void lostWorkerIsMarkedDownAndReadyAgainWhenItComesBack() throws Exception {
    try (TestCluster cluster = TestCluster.start(1, Duration.ofMillis(300), Duration.ofHours(24))) {
      BatonNode worker = cluster.workers().get(0);
      String id = worker.identity().nodeId();
      Path dir = worker.stateDir().root();
      cluster.stop(worker);
      cluster.awaitState(id, NodeState.NODE_STATE_DOWN);
      assertThat(cluster.node(id).getStatus().getMessage()).contains("heartbeat");

      BatonNode back = cluster.restart(dir, "worker1");
      assertThat(back.identity().nodeId()).isEqualTo(id);
      cluster.awaitState(id, NodeState.NODE_STATE_READY);
    }
  }

  @Test
  void workersReconnectAfterTheManagerRestarts() throws Exception {
    try (TestCluster cluster = TestCluster.start(2, Duration.ofMillis(300), Duration.ofHours(24))) {
      Path managerDir = cluster.manager().stateDir().root();
      var workers = cluster.workers();
      cluster.stop(cluster.manager());
      BatonNode manager = cluster.restart(managerDir, "manager");
      for (BatonNode worker : workers) {
        cluster.awaitState(worker.identity().nodeId(), NodeState.NODE_STATE_READY);
      }
      cluster.awaitState(manager.identity().nodeId(), NodeState.NODE_STATE_READY);
      assertThat(manager.manager().dispatcher().connectedNodes()).hasSize(3);
    }
  }

  @Test
  void nodeThatNeverReconnectsAfterAManagerRestartIsMarkedDown() throws Exception {
    try (TestCluster cluster = TestCluster.start(1, Duration.ofMillis(300), Duration.ofHours(24))) {
      Path managerDir = cluster.manager().stateDir().root();
      BatonNode worker = cluster.workers().get(0);
      String id = worker.identity().nodeId();
      cluster.stop(worker);
      cluster.stop(cluster.manager());
      cluster.restart(managerDir, "manager");
      cluster.awaitState(id, NodeState.NODE_STATE_DOWN);
    }
  }
}
