package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.baton.api.Availability;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateSecretRequest;
import io.baton.api.CreateServiceRequest;
import io.baton.api.ReplicatedService;
import io.baton.api.SecretReference;
import io.baton.api.SecretSpec;
import io.baton.api.ServiceLogsRequest;
import io.baton.api.ServiceSpec;
import io.baton.api.UpdateNodeRequest;
import io.baton.node.BatonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A service reads a secret on the process executor; afterwards, no byte of the secret is on any
 * disk the nodes wrote, and its tmpfs had the promised options.
 */
@Timeout(180)
class SecretsOnDiskTest {
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theTaskReadsItsSecretFromTmpfsAndNoStateDirEverHoldsIt() throws Exception {
    cluster = TestCluster.start(1);
    BatonNode worker = cluster.workers().get(0);
    Assumptions.assumeTrue(worker.secrets().unavailable().isEmpty(),
        () -> "skipped: this machine cannot mount the secrets tmpfs: " + worker.secrets().unavailable().orElseThrow());
    boolean root = Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    var control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
    control.updateNode(UpdateNodeRequest.newBuilder()
        .setNode(cluster.manager().identity().nodeId()).setAvailability(Availability.AVAILABILITY_DRAIN).build());
    String marker = "baton-secret-" + UUID.randomUUID();
    control.createSecret(CreateSecretRequest.newBuilder().setSpec(SecretSpec.newBuilder().setName("disk-db"))
        .setData(ByteString.copyFromUtf8(marker)).build());

    // The task checks the value's prefix only, so that nothing it prints contains the secret.
    String path = root ? "/run/secrets/disk-db" : "$BATON_SECRETS_DIR/disk-db";
    String script = "grep -q '^baton-secret-' " + path + " && echo secret-readable; "
        + "grep ' /run/secrets ' /proc/self/mountinfo | cut -d' ' -f5,6; sleep 300";
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("reader")
        .setReplicated(ReplicatedService.newBuilder().setReplicas(1));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sh", "-c", script))
        .setStopGracePeriodMs(1_000).addSecrets(SecretReference.newBuilder().setSecretName("disk-db"));
    control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build());

    List<String> lines = new ArrayList<>();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      lines.clear();
      control.serviceLogs(ServiceLogsRequest.newBuilder().setService("reader").build())
          .forEachRemaining(e -> lines.add(e.getText()));
      return lines.contains("secret-readable");
    });
    if (root) {
      // Inside the task's own mount namespace: read-only, and no suid, devices or executables.
      assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("/run/secrets ro,nosuid,nodev,noexec"));
    }
    String mount = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .filter(l -> l.split(" ")[4].equals(worker.secrets().root().toString()))
        .findFirst().orElseThrow();
    assertThat(mount.split(" ")[5].split(",")).contains("nosuid", "nodev", "noexec");
    assertThat(mount).contains(" - tmpfs ");
    assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")))
        .noneMatch(l -> l.split(" ")[4].equals("/run/secrets"));

    Path secretsRoot = worker.secrets().root();
    for (BatonNode node : List.copyOf(cluster.workers())) {
      cluster.stop(node);
    }
    cluster.stop(cluster.manager());
    assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")))
        .noneMatch(l -> l.split(" ")[4].equals(secretsRoot.toString()));

    // Every byte the nodes left on disk, the managers' encrypted Raft storage included.
    StateDirScan.assertNoneContains(cluster.root(), marker);
    assertThat(secretsRoot.toFile().list()).isNullOrEmpty();
  }
}
