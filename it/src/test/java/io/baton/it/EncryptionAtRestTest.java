package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.GetClusterRequest;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceSpec;
import io.baton.api.TaskState;
import io.baton.api.Toggle;
import io.baton.api.UpdateClusterRequest;
import io.baton.api.UpdateNodeRequest;
import io.baton.node.BatonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The disk thief's view of a whole cluster (three managers, a worker): after services, labels and
 * a data-key rotation were written and every node stopped, no byte under any state dir holds the
 * cluster state in the clear, and every state record of every manager's Raft log (read entry by
 * entry from its segment files) is encrypted. The
 * managers then restart from disk and still read all of it.
 */
@Timeout(300)
class EncryptionAtRestTest {
  private static final String MARKER = "at-rest-marker-c41d9e";

  @Test
  void stoppedManagersHoldNothingInTheClearAndRestartFromTheirEncryptedStores() throws Exception {
    try (TestCluster cluster = TestCluster.start(1)) {
      BatonNode second = cluster.addManager();
      BatonNode third = cluster.addManager();
      ControlGrpc.ControlBlockingStub control = ControlGrpc.newBlockingStub(
          cluster.channelAs(cluster.manager().credentials())).withDeadlineAfter(60, TimeUnit.SECONDS);
      ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("web")
          .setReplicated(ReplicatedService.newBuilder().setReplicas(1))
          .putLabels("owner", MARKER + "-label");
      spec.getTaskBuilder().getContainerBuilder().setImage("busybox")
          .addAllCommand(List.of("sleep", "300")).addEnv("TOKEN=" + MARKER + "-env");
      control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build());
      String worker = cluster.workers().stream().filter(n -> n.manager() == null).findFirst().orElseThrow()
          .identity().nodeId();
      control.updateNode(UpdateNodeRequest.newBuilder().setNode(worker).putLabelAdd("zone", MARKER + "-zone").build());
      assertThat(control.updateCluster(UpdateClusterRequest.newBuilder().setRotateDataKey(true).build())
          .getCurrentDataKey()).isEqualTo(2);
      control.createService(CreateServiceRequest.newBuilder()
          .setSpec(spec.setName("after-rotation").setReplicated(ReplicatedService.newBuilder().setReplicas(0))).build());
      await().atMost(Duration.ofSeconds(30)).until(() -> cluster.store().view().tasks().stream()
          .anyMatch(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING));
      String joinSecret = cluster.workerToken().substring(cluster.workerToken().lastIndexOf('-') + 1);
      // A line of the root CA's private key, which lives only in the store.
      String rootKeyLine = cluster.store().view().cluster().orElseThrow().getRootCa().getCaKeyPem().lines()
          .filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
      List<Path> managerDirs = cluster.managers().stream().map(n -> n.stateDir().root()).toList();
      await().atMost(Duration.ofSeconds(20)).until(() -> cluster.managers().stream()
          .allMatch(n -> n.manager().store().view().services().size() == 2));

      for (BatonNode node : List.copyOf(cluster.managers())) {
        cluster.stop(node);
      }
      for (BatonNode node : List.copyOf(cluster.workers())) {
        cluster.stop(node);
      }

      for (String marker : List.of(MARKER, joinSecret, rootKeyLine)) {
        StateDirScan.assertNoneContains(cluster.root(), marker);
      }
      for (Path dir : managerDirs) {
        List<LogEntryProto> records = RaftSegments.entries(dir.resolve("raft")).stream()
            .filter(LogEntryProto::hasStateMachineLogEntry).toList();
        assertThat(records).as("state records in the Raft log of %s", dir).isNotEmpty();
        assertThat(records).as("Raft log of %s", dir).allSatisfy(record -> assertThat(
            record.getStateMachineLogEntry().getLogData().startsWith(ByteString.copyFromUtf8("BTNE")))
            .as("entry %d is encrypted", record.getIndex()).isTrue());
      }

      for (Path dir : managerDirs) {
        cluster.restart(dir, dir.getFileName().toString());
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> cluster.managers().stream()
          .allMatch(n -> n.manager().store().view().services().size() == 2));
      ControlGrpc.ControlBlockingStub after = ControlGrpc.newBlockingStub(
          cluster.channelAs(cluster.manager().credentials())).withDeadlineAfter(60, TimeUnit.SECONDS);
      assertThat(after.getCluster(GetClusterRequest.getDefaultInstance()).getCurrentDataKey()).isEqualTo(2);
      assertThat(cluster.store().view().services().stream()
          .map(s -> s.getSpec().getLabelsMap().get("owner"))).containsOnly(MARKER + "-label");
      assertThat(after.updateCluster(UpdateClusterRequest.newBuilder().setAutolock(Toggle.TOGGLE_UNCHANGED)
          .setRotateDataKey(true).build()).getCurrentDataKey()).isEqualTo(3);
    }
  }
}
