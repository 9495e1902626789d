package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baton.api.CAGrpc;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.DispatcherGrpc;
import io.baton.api.HeartbeatRequest;
import io.baton.api.IssueNodeCertificateRequest;
import io.baton.api.ListNodesRequest;
import io.baton.api.RemoveNodeRequest;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceSpec;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.ca.Credentials;
import io.baton.ca.NodeKeys;
import io.baton.ca.NodeRemoval;
import io.baton.ca.Role;
import io.baton.node.BatonNode;
import io.baton.store.StoreMembership;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code node rm}: the removed node is cut off at once on every listener, even with its unexpired
 * certificate, its tasks move, and it stops, wipes its credentials and can only come back through
 * a new join as a new node. Real certificates, real mutual TLS, the real Raft store.
 */
@Timeout(240)
class NodeRemovalTest {

  private static ControlGrpc.ControlBlockingStub control(TestCluster cluster, Credentials as, BatonNode on) {
    return ControlGrpc.newBlockingStub(cluster.channelAs(as, TestCluster.apiAddress(on)))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @Test
  void aRemovedWorkerIsCutOffEverywhereAtOnceStopsWipesItselfAndRejoinsOnlyAsANewNode() throws Exception {
    try (TestCluster cluster = TestCluster.start(2, Duration.ofMillis(300), Duration.ofHours(24))) {
      BatonNode manager = cluster.manager();
      var admin = control(cluster, manager.credentials(), manager);
      ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("web")
          .setReplicated(ReplicatedService.newBuilder().setReplicas(2));
      spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "300"));
      spec.getTaskBuilder().getPlacementBuilder().addConstraints("node.role==worker");
      String serviceId = admin.createService(CreateServiceRequest.newBuilder().setSpec(spec).build())
          .getService().getId();
      await().atMost(Duration.ofSeconds(30)).until(() -> running(cluster, serviceId).size() == 2);

      BatonNode victim = cluster.workers().get(0);
      String victimId = victim.identity().nodeId();
      Credentials stolen = victim.credentials();
      Path dir = victim.stateDir().root();
      assertThat(running(cluster, serviceId)).anyMatch(t -> t.getNodeId().equals(victimId));
      assertThat(victim.tasks().taskIds()).isNotEmpty();

      // A ready node is not removed without --force.
      assertRefused(() -> admin.removeNode(RemoveNodeRequest.newBuilder().setNode(victimId).build()),
          Status.Code.FAILED_PRECONDITION, "is ready and can't be removed");
      assertThat(cluster.store().view().node(victimId)).isPresent();

      long removedAt = System.nanoTime();
      admin.removeNode(RemoveNodeRequest.newBuilder().setNode(victimId).setForce(true).build());
      await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
          .until(() -> !manager.manager().dispatcher().connectedNodes().contains(victimId));
      System.out.println("session of a removed worker closed after "
          + (System.nanoTime() - removedAt) / 1_000_000 + " ms");

      // The stolen, unexpired certificate is refused by every service of every listener.
      Channel as = cluster.channelAs(stolen);
      assertRemoved(() -> DispatcherGrpc.newBlockingStub(as).withDeadlineAfter(10, TimeUnit.SECONDS)
          .heartbeat(HeartbeatRequest.newBuilder().setSessionId("any").build()), victimId);
      assertRemoved(() -> CAGrpc.newBlockingStub(as).withDeadlineAfter(10, TimeUnit.SECONDS)
          .issueNodeCertificate(IssueNodeCertificateRequest.newBuilder()
              .setCsrPem(NodeKeys.csrPem(NodeKeys.generate())).build()), victimId);
      assertRemoved(() -> ControlGrpc.newBlockingStub(as).withDeadlineAfter(10, TimeUnit.SECONDS)
          .listNodes(ListNodesRequest.getDefaultInstance()), victimId);
      InetSocketAddress raft = new InetSocketAddress("127.0.0.1", manager.manager().port() + 1);
      assertThat(RaftPortProbe.answers(raft, stolen, cluster)).as("raft port").isFalse();

      // The node heard of it: it stopped, stopped its tasks and deleted its credentials.
      String message = victim.removal().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(message).contains(victimId).contains("removed").contains("new join token");
      assertThat(victim.tasks().taskIds()).isEmpty();
      assertThat(dir.resolve("certificates/node.key")).doesNotExist();
      assertThat(dir.resolve("certificates/node.crt")).doesNotExist();
      assertThat(dir.resolve("node.json")).doesNotExist();

      // Its tasks run elsewhere.
      await().atMost(Duration.ofSeconds(30)).until(() -> running(cluster, serviceId).size() == 2
          && running(cluster, serviceId).stream().noneMatch(t -> t.getNodeId().equals(victimId)));

      // Rejoining: only with a token, into the wiped dir, as a new node.
      BatonNode back = cluster.joinWorker(dir, "worker1", cluster.workerToken(), null);
      assertThat(back.identity().nodeId()).isNotEqualTo(victimId);
      assertRemoved(() -> ControlGrpc.newBlockingStub(cluster.channelAs(stolen))
          .withDeadlineAfter(10, TimeUnit.SECONDS).listNodes(ListNodesRequest.getDefaultInstance()), victimId);
      assertThat(cluster.store().view().cluster().orElseThrow().getDenylistList())
          .anyMatch(e -> e.getNodeId().equals(victimId)
              && e.getExpiresAtMs() >= stolen.leaf().getNotAfter().getTime());
    }
  }

  @Test
  void aRemovedManagerLosesManagerRightsAndTheRaftPortEvenThroughAFollower() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      cluster.addManager();
      cluster.addManager();
      BatonNode leader = cluster.leader();
      List<BatonNode> followers = cluster.managers().stream().filter(n -> n != leader).toList();
      BatonNode victim = followers.get(0);
      BatonNode follower = followers.get(1);
      String victimId = victim.identity().nodeId();
      Credentials stolen = victim.credentials();
      InetSocketAddress leaderRaft = new InetSocketAddress("127.0.0.1", leader.manager().port() + 1);
      assertThat(RaftPortProbe.answers(leaderRaft, stolen, cluster)).as("before removal").isTrue();

      // The node the command talks through cannot remove itself.
      assertRefused(() -> control(cluster, leader.credentials(), leader).removeNode(
              RemoveNodeRequest.newBuilder().setNode(leader.identity().nodeId()).setForce(true).build()),
          Status.Code.FAILED_PRECONDITION, "talks to the cluster through it");

      control(cluster, leader.credentials(), leader)
          .removeNode(RemoveNodeRequest.newBuilder().setNode(victimId).setForce(true).build());

      assertRemoved(() -> control(cluster, stolen, leader).listNodes(ListNodesRequest.getDefaultInstance()), victimId);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertRemoved(
          () -> control(cluster, stolen, follower).listNodes(ListNodesRequest.getDefaultInstance()), victimId));
      assertThat(forwardedAs(cluster, follower, leader, stolen)).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(RaftPortProbe.answers(leaderRaft, stolen, cluster)).as("leader's raft port").isFalse();
      await().atMost(Duration.ofSeconds(5)).until(() -> !RaftPortProbe.answers(
          new InetSocketAddress("127.0.0.1", follower.manager().port() + 1), stolen, cluster));

      await().atMost(Duration.ofSeconds(10)).until(() -> leader.manager().store().membership().members().stream()
          .noneMatch(m -> m.id().equals(victimId)));
      victim.removal().toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertThat(victim.stateDir().raftDir()).doesNotExist();
      assertThat(victim.stateDir().root().resolve("certificates/node.key")).doesNotExist();
      // The two remaining managers still make a writable cluster.
      assertThat(control(cluster, leader.credentials(), cluster.leader())
          .listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount()).isEqualTo(2);
    }
  }

  @Test
  void removingAManagerThatWouldCostTheQuorumIsRefusedEvenForced() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      cluster.addManager();
      cluster.addManager();
      BatonNode leader = cluster.leader();
      List<BatonNode> followers = cluster.managers().stream().filter(n -> n != leader).toList();
      BatonNode down = followers.get(0);
      BatonNode other = followers.get(1);
      cluster.stop(down);
      await().atMost(Duration.ofSeconds(15)).until(() -> leader.manager().store().membership().members().stream()
          .anyMatch(m -> m.id().equals(down.identity().nodeId())
              && m.reachability() == StoreMembership.Reachability.UNREACHABLE));
      assertRefused(() -> control(cluster, leader.credentials(), leader).removeNode(RemoveNodeRequest.newBuilder()
              .setNode(other.identity().nodeId()).setForce(true).build()),
          Status.Code.FAILED_PRECONDITION, "quorum");
      assertThat(cluster.store().view().node(other.identity().nodeId())).isPresent();
      assertThat(cluster.store().view().cluster().orElseThrow().getDenylistList()).isEmpty();
    }
  }

  @Test
  void removingAnUnknownNodeSaysSo() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      assertRefused(() -> control(cluster, cluster.manager().credentials(), cluster.manager())
              .removeNode(RemoveNodeRequest.newBuilder().setNode("zzzzz").build()),
          Status.Code.NOT_FOUND, "no such node: zzzzz");
    }
  }

  /** ListNodes on {@code on}, over {@code via}'s connection, with forwarding headers naming {@code claimed}. */
  private static Status.Code forwardedAs(TestCluster cluster, BatonNode via, BatonNode on, Credentials claimed) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("baton-forwarded-node", Metadata.ASCII_STRING_MARSHALLER),
        claimed.identity().nodeId());
    headers.put(Metadata.Key.of("baton-forwarded-ou", Metadata.ASCII_STRING_MARSHALLER), Role.MANAGER.ou());
    headers.put(Metadata.Key.of("baton-forwarded-cluster", Metadata.ASCII_STRING_MARSHALLER),
        claimed.identity().clusterId());
    headers.put(Metadata.Key.of("baton-forwarded-addr", Metadata.ASCII_STRING_MARSHALLER), "192.0.2.1");
    Channel channel = ClientInterceptors.intercept(
        cluster.channelAs(via.credentials(), TestCluster.apiAddress(on)),
        MetadataUtils.newAttachHeadersInterceptor(headers));
    try {
      ControlGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
          .listNodes(ListNodesRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static void assertRefused(ThrowingCallable call, Status.Code code, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(message);
    });
  }

  /** The call fails with the removal refusal naming {@code nodeId}. */
  private static void assertRemoved(ThrowingCallable call, String nodeId) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(NodeRemoval.removedNode(e.getStatus(), e.getTrailers())).contains(nodeId);
    });
  }

  private static List<Task> running(TestCluster cluster, String serviceId) {
    return cluster.store().view().tasksOfService(serviceId).stream()
        .filter(t -> t.getDesiredState() == TaskState.TASK_STATE_RUNNING)
        .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING)
        .toList();
  }
}
