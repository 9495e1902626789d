package io.baton.it.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.GetDataKeysRequest;
import io.baton.api.GetJoinTokensRequest;
import io.baton.api.GetUnlockKeyRequest;
import io.baton.api.JoinRaftRequest;
import io.baton.api.ListNodesRequest;
import io.baton.api.ListSecretsRequest;
import io.baton.api.NodeRole;
import io.baton.api.RaftMembershipGrpc;
import io.baton.api.RemoveNodeRequest;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceSpec;
import io.baton.api.UpdateNodeRequest;
import io.baton.ca.Credentials;
import io.baton.it.Cli;
import io.baton.it.RaftPortProbe;
import io.baton.it.TestCluster;
import io.baton.node.BatonNode;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Former insiders: a manager that was demoted and a node that was removed, each still holding its
 * old, unexpired certificate and key. Three managers (the leader, a follower that forwards writes,
 * the demoted one) and a removed worker. Every manager RPC and both Raft ports refuse them at once,
 * on the leader and through the follower. And the other side of certificate turnover: after every
 * node renewed (a manager its own certificate too), every kind of client still connects and
 * negotiates HTTP/2 with the new certificates, also after the certificate its connections were
 * opened with has expired (before nodes reconnected after a renewal, every call of the node was
 * refused from then on and its next renewal failed: cut off one validity period after joining).
 *
 * <p>Elsewhere: {@code NodeRemovalTest} (a removed manager, forged forwarding headers naming a
 * removed node, the removed node wiping itself), {@code MultiManagerTest} (a follower forwarding
 * for a demoted node's identity is refused by the leader).
 */
@Timeout(300)
class FormerInsiderTest {

  /** The manager RPCs an insider would want, each a real request. */
  private static final Map<String, Function<Channel, Object>> MANAGER_RPCS = new LinkedHashMap<>();

  static {
    MANAGER_RPCS.put("GetJoinTokens", c -> control(c).getJoinTokens(GetJoinTokensRequest.getDefaultInstance()));
    MANAGER_RPCS.put("GetUnlockKey", c -> control(c).getUnlockKey(GetUnlockKeyRequest.getDefaultInstance()));
    MANAGER_RPCS.put("ListNodes", c -> control(c).listNodes(ListNodesRequest.getDefaultInstance()));
    MANAGER_RPCS.put("ListSecrets", c -> control(c).listSecrets(ListSecretsRequest.getDefaultInstance()));
    MANAGER_RPCS.put("CreateService (a write, forwarded by a follower)", c -> control(c).createService(
        CreateServiceRequest.newBuilder().setSpec(spec("by-former-insider")).build()));
    MANAGER_RPCS.put("GetDataKeys", c -> raft(c).getDataKeys(GetDataKeysRequest.getDefaultInstance()));
    MANAGER_RPCS.put("JoinRaft", c -> raft(c).join(JoinRaftRequest.newBuilder()
        .setRaftAddr("127.0.0.1:1").setManagerAddr("127.0.0.1:2").build()));
  }

  @Test
  void aDemotedManagersAndARemovedNodesOldCertificatesAreRefusedEverywhereAtOnce() throws Exception {
    try (TestCluster cluster = TestCluster.start(1)) {
      cluster.addManager();
      cluster.addManager();
      BatonNode leader = cluster.leader();
      List<BatonNode> followers = cluster.managers().stream().filter(n -> n != leader).toList();
      BatonNode follower = followers.get(0);
      BatonNode demoted = followers.get(1);
      BatonNode removed = cluster.workers().stream().filter(n -> n.manager() == null).findFirst().orElseThrow();
      Credentials oldManager = demoted.credentials();
      Credentials oldWorker = removed.credentials();
      InetSocketAddress leaderRaft = raftOf(leader);
      InetSocketAddress followerRaft = raftOf(follower);
      assertThat(RaftPortProbe.answers(leaderRaft, oldManager, cluster)).as("before the demotion").isTrue();
      assertThat(control(cluster.channelAs(oldManager, TestCluster.apiAddress(leader)))
          .listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount()).isEqualTo(4);

      var admin = control(cluster.channelAs(leader.credentials(), TestCluster.apiAddress(leader)));
      admin.updateNode(UpdateNodeRequest.newBuilder().setNode(demoted.identity().nodeId())
          .setRole(NodeRole.NODE_ROLE_WORKER).build());
      admin.removeNode(RemoveNodeRequest.newBuilder().setNode(removed.identity().nodeId()).setForce(true).build());
      assertThat(oldManager.leaf().getNotAfter()).isInTheFuture();

      // At once on the leader, whose store took both writes.
      for (Credentials old : List.of(oldManager, oldWorker)) {
        assertAllRefused(cluster.channelAs(old, TestCluster.apiAddress(leader)), old);
      }
      assertThat(RaftPortProbe.answers(leaderRaft, oldWorker, cluster)).as("leader's Raft port").isFalse();
      // A demoted manager keeps the Raft port only while it is still a voting member (see
      // RaftPeerAdmission: the group may need it for a quorum until the leader takes it out).
      await().atMost(Duration.ofSeconds(5))
          .until(() -> !RaftPortProbe.answers(leaderRaft, oldManager, cluster));
      // On the follower as soon as the writes reached its store (a few milliseconds).
      for (Credentials old : List.of(oldManager, oldWorker)) {
        Channel viaFollower = cluster.channelAs(old, TestCluster.apiAddress(follower));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertAllRefused(viaFollower, old));
        await().atMost(Duration.ofSeconds(5)).until(() -> !RaftPortProbe.answers(followerRaft, old, cluster));
      }
      assertThat(cluster.store().view().services()).isEmpty();
    }
  }

  @Test
  void afterEveryNodeRenewedEveryKindOfClientStillConnectsOverHttp2() throws Exception {
    try (TestCluster cluster = TestCluster.start(1, Duration.ofMillis(500), Duration.ofSeconds(40))) {
      BatonNode second = cluster.addManager();
      List<BatonNode> nodes = List.of(cluster.manager(), second, cluster.workers().get(0));
      // Renewal happens at 50-80 % of the 40 s validity, so a certificate 36 s younger than the
      // first one is at least the second renewal: one made after the certificate that opened the
      // node's connections had expired.
      Map<BatonNode, Instant> first = new LinkedHashMap<>();
      nodes.forEach(n -> first.put(n, n.credentials().leaf().getNotAfter().toInstant()));
      await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(200)).until(() -> first.entrySet()
          .stream().allMatch(e -> e.getKey().credentials().leaf().getNotAfter().toInstant()
              .isAfter(e.getValue().plusSeconds(36))));

      for (BatonNode manager : List.of(cluster.manager(), second)) {
        for (BatonNode client : nodes) {
          // A plain TLS 1.3 client with the renewed certificate: ALPN h2 and HTTP/2 SETTINGS on the
          // API port of both managers; the Raft port too for a manager's certificate.
          assertThat(RaftPortProbe.answers(new InetSocketAddress("127.0.0.1", manager.manager().port()),
              client.credentials(), cluster)).as("API port for a renewed certificate").isTrue();
        }
        assertThat(RaftPortProbe.answers(raftOf(manager), (manager == second ? cluster.manager() : second)
            .credentials(), cluster)).as("Raft port for a renewed peer").isTrue();
        // A plain gRPC client.
        assertThat(control(cluster.channelAs(manager.credentials(), TestCluster.apiAddress(manager)))
            .listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount()).isEqualTo(3);
      }
      // The CLI, over mutual TLS with the files the manager renewed on disk, and over its socket.
      Path certs = second.stateDir().root().resolve("certificates");
      Cli.Result remote = Cli.run("-H", "tcp://" + TestCluster.apiAddress(cluster.manager()),
          "--tlscacert", certs.resolve("root-ca.crt").toString(), "--tlscert", certs.resolve("node.crt").toString(),
          "--tlskey", certs.resolve("node.key").toString(), "node", "ls", "-q");
      assertThat(remote.exitCode()).as(remote.err()).isZero();
      assertThat(remote.out().lines()).hasSize(3);
      assertThat(Cli.run("--state-dir", second.stateDir().root().toString(), "node", "ls", "-q").exitCode()).isZero();
      // Workers: the session stays up and reports; Raft peers: a write through the follower replicates.
      String worker = cluster.workers().get(0).identity().nodeId();
      assertThat(cluster.leader().manager().dispatcher().connectedNodes()).contains(worker);
      BatonNode follower = cluster.leader() == second ? cluster.manager() : second;
      control(cluster.channelAs(follower.credentials(), TestCluster.apiAddress(follower))).createService(
          CreateServiceRequest.newBuilder().setSpec(spec("after-renewal")).build());
      await().atMost(Duration.ofSeconds(20)).until(() -> cluster.managers().stream()
          .allMatch(m -> m.manager().store().view().services().size() == 1));
    }
  }

  private static void assertAllRefused(Channel channel, Credentials old) {
    for (var rpc : MANAGER_RPCS.entrySet()) {
      try {
        rpc.getValue().apply(channel);
        throw new AssertionError(rpc.getKey() + " answered the old certificate of " + old.identity().nodeId());
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).as(rpc.getKey()).isEqualTo(Status.Code.PERMISSION_DENIED);
      }
    }
  }

  private static ServiceSpec spec(String name) {
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName(name)
        .setReplicated(ReplicatedService.newBuilder().setReplicas(0));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addCommand("true");
    return spec.build();
  }

  private static InetSocketAddress raftOf(BatonNode manager) {
    return new InetSocketAddress("127.0.0.1", manager.manager().port() + 1);
  }

  private static ControlGrpc.ControlBlockingStub control(Channel channel) {
    return ControlGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static RaftMembershipGrpc.RaftMembershipBlockingStub raft(Channel channel) {
    return RaftMembershipGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }
}
