package io.baton.it.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.baton.api.Availability;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateSecretRequest;
import io.baton.api.CreateServiceRequest;
import io.baton.api.DataKey;
import io.baton.api.ReplicatedService;
import io.baton.api.SecretReference;
import io.baton.api.SecretSpec;
import io.baton.api.ServiceSpec;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.UpdateNodeRequest;
import io.baton.it.Cli;
import io.baton.it.StateDirScan;
import io.baton.it.TestCluster;
import io.baton.it.Wiretap;
import io.baton.node.BatonNode;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Attacker 3 of DESIGN §1, the eavesdropper who sees all traffic. Every manager of a three-manager
 * cluster listens on 127.0.0.1 but is advertised at 127.0.0.2 on the same ports, where a {@link
 * Wiretap} relays and records both its manager API and its Raft port; so every byte another node
 * sends it — joins (root fetch, token, CSR, certificate), the data keys a joining manager fetches,
 * dispatcher sessions with their secrets, Raft replication and the forwarding of writes — crosses a
 * tap, and so does a root CA rotation (the new root key replicated, every node renewing under it,
 * new join tokens). The test then searches the recording for every secret the cluster holds.
 */
@Timeout(300)
class EavesdropperTest {
  private static final byte TLS_APPLICATION_DATA = 0x17;

  @Test
  void nothingSecretCrossesTheWireInTheClearDuringJoinsSecretDispatchAndRaftReplication() throws Exception {
    List<Wiretap> taps = new CopyOnWriteArrayList<>();
    Map<String, Wiretap> raftTaps = new LinkedHashMap<>();
    TestCluster.Advertiser tapped = port -> {
      for (int p : new int[] {port, port + 1}) {
        Wiretap tap = Wiretap.between(new InetSocketAddress("127.0.0.2", p), new InetSocketAddress("127.0.0.1", p));
        taps.add(tap);
        if (p == port + 1) {
          raftTaps.put("127.0.0.2:" + port, tap);
        }
      }
      return "127.0.0.2:" + port;
    };
    try (TestCluster cluster = TestCluster.startAdvertised(0, tapped)) {
      BatonNode second = cluster.addManager();
      cluster.addManager();
      BatonNode worker = cluster.addWorker();
      // Every manager is known to the others at its tapped address, the first one included.
      assertThat(cluster.store().membership().members()).hasSize(3)
          .allSatisfy(m -> assertThat(m.raftAddress()).startsWith("127.0.0.2:"));
      var control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials(),
          cluster.managerAddress())).withDeadlineAfter(60, TimeUnit.SECONDS);
      for (BatonNode m : cluster.managers()) {
        control.updateNode(UpdateNodeRequest.newBuilder().setNode(m.identity().nodeId())
            .setAvailability(Availability.AVAILABILITY_DRAIN).build());
      }
      String marker = "eavesdrop-secret-" + UUID.randomUUID();
      control.createSecret(CreateSecretRequest.newBuilder().setSpec(SecretSpec.newBuilder().setName("wire-db"))
          .setData(ByteString.copyFromUtf8(marker)).build());
      ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("wire")
          .setReplicated(ReplicatedService.newBuilder().setReplicas(1)).putLabels("note", marker + "-label");
      spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "300"))
          .setStopGracePeriodMs(1_000).addSecrets(SecretReference.newBuilder().setSecretName("wire-db"));
      // Written through a follower, so the write is also forwarded to the leader over a tap.
      BatonNode follower = cluster.managers().stream().filter(m -> m != cluster.leader()).findFirst().orElseThrow();
      ControlGrpc.newBlockingStub(cluster.channelAs(follower.credentials(), TestCluster.apiAddress(follower)))
          .withDeadlineAfter(60, TimeUnit.SECONDS).createService(CreateServiceRequest.newBuilder().setSpec(spec).build());
      Task task = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> cluster.store().view().tasks().stream()
              .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING).findFirst(), Optional::isPresent)
          .orElseThrow();
      Path delivered = worker.secrets().root().resolve(task.getId()).resolve("wire-db");
      assertThat(Files.readString(delivered)).as("the secret was dispatched to the worker").isEqualTo(marker);
      await().atMost(Duration.ofSeconds(30)).until(() -> cluster.managers().stream()
          .allMatch(m -> m.manager().store().view().services().size() == 1));

      var clusterObject = cluster.store().view().cluster().orElseThrow();
      Map<String, byte[]> secrets = new LinkedHashMap<>();
      secrets.put("secret value", utf8(marker));
      secrets.put("worker token secret", utf8(secretOf(cluster.workerToken())));
      secrets.put("manager token secret", utf8(secretOf(cluster.managerToken())));
      secrets.put("root CA key", rootKeyDer(clusterObject.getRootCa().getCaKeyPem()));

      // A root CA rotation: the new root key is replicated, every node renews, new tokens are made.
      Cli.Result rotated = Cli.run("--state-dir", cluster.manager().stateDir().root().toString(), "ca", "--rotate");
      assertThat(rotated.exitCode()).as(rotated.err()).isZero();
      var rotatedCluster = cluster.store().view().cluster().orElseThrow();
      assertThat(rotatedCluster.getRootCa().getCaKeyPem()).isNotEqualTo(clusterObject.getRootCa().getCaKeyPem());
      secrets.put("new root CA key", rootKeyDer(rotatedCluster.getRootCa().getCaKeyPem()));
      secrets.put("new worker token secret", utf8(secretOf(cluster.workerToken())));
      secrets.put("new manager token secret", utf8(secretOf(cluster.managerToken())));
      for (DataKey key : rotatedCluster.getDataKeysList()) {
        secrets.put("data key " + key.getId(), key.getKey().toByteArray());
      }
      for (BatonNode node : List.of(cluster.manager(), second, worker)) {
        // the key of the certificate each node holds now, renewed under the new root
        secrets.put("private key of " + node.identity().nodeId(), node.credentials().key().getEncoded());
      }
      List<byte[]> wire = new ArrayList<>();
      taps.forEach(tap -> wire.add(tap.captured()));
      long total = wire.stream().mapToLong(b -> b.length).sum();
      System.out.println("eavesdropper captured " + total + " bytes on " + taps.size() + " taps");

      // The taps saw the traffic they should have: joins, sessions and Raft replication, all TLS.
      assertThat(raftTaps.get(TestCluster.apiAddress(second).replace("127.0.0.1", "127.0.0.2")).captured())
          .as("raft traffic to the second manager").hasSizeGreaterThan(10_000);
      for (byte[] bytes : wire) {
        assertThat(bytes.length == 0 || bytes[0] == 0x16).as("each stream starts with a TLS handshake").isTrue();
      }
      assertThat(wire).anySatisfy(bytes -> assertThat(StateDirScan.contains(bytes,
          new byte[] {TLS_APPLICATION_DATA, 0x03, 0x03})).isTrue());
      for (var secret : secrets.entrySet()) {
        for (byte[] bytes : wire) {
          assertThat(StateDirScan.contains(bytes, secret.getValue())).as(secret.getKey() + " on the wire").isFalse();
        }
      }
      for (String clear : List.of("BTNTKN-1-", "BEGIN CERTIFICATE REQUEST", "wire-db", "busybox")) {
        for (byte[] bytes : wire) {
          assertThat(StateDirScan.contains(bytes, utf8(clear))).as(clear + " on the wire").isFalse();
        }
      }
      for (Wiretap tap : taps) {
        tap.close();
      }
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String secretOf(String token) {
    return token.substring(token.lastIndexOf('-') + 1);
  }

  private static byte[] rootKeyDer(String pem) {
    String body = pem.lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
    return java.util.Base64.getDecoder().decode(body);
  }
}
