package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.GetServiceRequest;
import io.baton.api.ListNodesRequest;
import io.baton.api.ListServicesRequest;
import io.baton.api.ManagerStatus;
import io.baton.api.NodeInfo;
import io.baton.api.NodeRole;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceSpec;
import io.baton.api.UpdateNodeRequest;
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
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Several managers in one JVM: a Raft group over mutual TLS 1.3, the control API answered on any
 * manager with writes forwarded to the leader under the caller's identity, promotion and
 * demotion, and the quorum rules.
 */
@Timeout(240)
class MultiManagerTest {

  private static ServiceSpec spec(String name) {
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName(name)
        .setReplicated(ReplicatedService.newBuilder().setReplicas(0));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "300"));
    return spec.build();
  }

  private static ControlGrpc.ControlBlockingStub control(TestCluster cluster, BatonNode as, BatonNode on) {
    return ControlGrpc.newBlockingStub(cluster.channelAs(as.credentials(), TestCluster.apiAddress(on)))
        .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Test
  void threeManagersAnswerOnAnyManagerAndForwardWritesToTheLeader() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      BatonNode second = cluster.addManager();
      BatonNode third = cluster.addManager();
      BatonNode leader = cluster.leader();
      assertThat(leader.manager().store().membership().members()).hasSize(3);

      for (BatonNode on : List.of(cluster.manager(), second, third)) {
        control(cluster, on, on).createService(CreateServiceRequest.newBuilder()
            .setSpec(spec("via-" + on.identity().nodeId().substring(0, 8))).build());
      }
      for (BatonNode on : cluster.managers()) {
        await().atMost(Duration.ofSeconds(10)).until(() ->
            control(cluster, on, on).listServices(ListServicesRequest.getDefaultInstance()).getServicesCount() == 3);
      }

      List<NodeInfo> nodes = control(cluster, third, second).listNodes(ListNodesRequest.getDefaultInstance())
          .getNodesList();
      assertThat(nodes).hasSize(3);
      assertThat(nodes).filteredOn(n -> n.getManagerStatus() == ManagerStatus.MANAGER_STATUS_LEADER)
          .singleElement().satisfies(n -> assertThat(n.getNode().getId()).isEqualTo(leader.identity().nodeId()));
    }
  }

  @Test
  void fiveManagersElectANewLeaderAndStayWritableThroughAnyManager() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      for (int i = 0; i < 4; i++) {
        cluster.addManager();
      }
      BatonNode leader = cluster.leader();
      assertThat(leader.manager().store().membership().members()).hasSize(5);
      cluster.stop(leader);

      BatonNode next = cluster.leader();
      assertThat(next).isNotSameAs(leader);
      BatonNode follower = cluster.managers().stream().filter(n -> n != next).findFirst().orElseThrow();
      control(cluster, follower, follower).createService(
          CreateServiceRequest.newBuilder().setSpec(spec("after-failover")).build());
      assertThat(next.manager().store().view().services()).extracting(s -> s.getSpec().getName())
          .contains("after-failover");
    }
  }

  @Test
  void theRaftPortAdmitsManagersOnlyAndAWorkerCannotUseAFollowerAsAProxy() throws Exception {
    try (TestCluster cluster = TestCluster.start(1)) {
      BatonNode second = cluster.addManager();
      BatonNode worker = cluster.workers().stream().filter(n -> n.manager() == null).findFirst().orElseThrow();
      InetSocketAddress raft = new InetSocketAddress("127.0.0.1", cluster.leader().manager().port() + 1);

      assertThat(RaftPortProbe.answers(raft, second.credentials(), cluster)).as("manager certificate").isTrue();
      assertThat(RaftPortProbe.answers(raft, worker.credentials(), cluster)).as("worker certificate").isFalse();

      BatonNode follower = cluster.leader() == second ? cluster.manager() : second;
      assertThatThrownBy(() -> control(cluster, worker, follower).createService(
              CreateServiceRequest.newBuilder().setSpec(spec("by-worker")).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
      assertThat(cluster.store().view().services()).isEmpty();
    }
  }

  @Test
  void theLeaderChecksAForwardedIdentityAgainstItsOwnStore() throws Exception {
    try (TestCluster cluster = TestCluster.start(1)) {
      BatonNode second = cluster.addManager();
      BatonNode third = cluster.addManager();
      BatonNode worker = cluster.workers().get(0);
      BatonNode leader = cluster.leader();
      BatonNode follower = List.of(cluster.manager(), second, third).stream()
          .filter(n -> n != leader).findFirst().orElseThrow();
      BatonNode demoted = List.of(cluster.manager(), second, third).stream()
          .filter(n -> n != leader && n != follower).findFirst().orElseThrow();
      control(cluster, leader, leader).updateNode(UpdateNodeRequest.newBuilder()
          .setNode(demoted.identity().nodeId()).setRole(NodeRole.NODE_ROLE_WORKER).build());

      // A manager (the follower) claims the call comes from the demoted node: the leader refuses it.
      assertThat(forwardedCreate(cluster, follower, leader, demoted, "forged-demoted"))
          .isEqualTo(Status.Code.PERMISSION_DENIED);
      // A worker sending forwarding headers itself is refused outright.
      assertThat(forwardedCreate(cluster, worker, leader, follower, "forged-by-worker"))
          .isEqualTo(Status.Code.PERMISSION_DENIED);
      // The same headers naming a real manager pass: the check is on who is named, not on the headers.
      assertThat(forwardedCreate(cluster, follower, leader, follower, "forwarded-ok")).isEqualTo(Status.Code.OK);
      assertThat(cluster.store().view().services()).extracting(s -> s.getSpec().getName())
          .containsExactly("forwarded-ok");
    }
  }

  /** Calls CreateService on {@code on} over {@code from}'s connection with forwarding headers naming {@code claimed}. */
  private static Status.Code forwardedCreate(
      TestCluster cluster, BatonNode from, BatonNode on, BatonNode claimed, String name) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("baton-forwarded-node", Metadata.ASCII_STRING_MARSHALLER), claimed.identity().nodeId());
    headers.put(Metadata.Key.of("baton-forwarded-ou", Metadata.ASCII_STRING_MARSHALLER), Role.MANAGER.ou());
    headers.put(Metadata.Key.of("baton-forwarded-cluster", Metadata.ASCII_STRING_MARSHALLER),
        claimed.identity().clusterId());
    headers.put(Metadata.Key.of("baton-forwarded-addr", Metadata.ASCII_STRING_MARSHALLER), "192.0.2.1");
    Channel channel = ClientInterceptors.intercept(
        cluster.channelAs(from.credentials(), TestCluster.apiAddress(on)),
        MetadataUtils.newAttachHeadersInterceptor(headers));
    try {
      ControlGrpc.newBlockingStub(channel).withDeadlineAfter(20, java.util.concurrent.TimeUnit.SECONDS)
          .createService(CreateServiceRequest.newBuilder().setSpec(spec(name)).build());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void promoteAndDemoteChangeOnlyTheRoleAndADemotedCertificateLosesManagerRightsAtOnce() throws Exception {
    try (TestCluster cluster = TestCluster.start(1)) {
      cluster.addManager();
      BatonNode worker = cluster.workers().stream().filter(n -> n.manager() == null).findFirst().orElseThrow();
      String id = worker.identity().nodeId();
      BatonNode leader = cluster.leader();

      control(cluster, leader, leader).updateNode(UpdateNodeRequest.newBuilder()
          .setNode(id).setRole(NodeRole.NODE_ROLE_MANAGER).build());
      await().atMost(Duration.ofSeconds(60)).until(() -> worker.identity().role() == Role.MANAGER
          && cluster.store().membership().members().stream().anyMatch(m -> m.id().equals(id)));
      assertThat(worker.identity().nodeId()).isEqualTo(id);
      assertThat(worker.manager()).isNotNull();
      var managerCredentials = worker.credentials();
      assertThat(control(cluster, worker, leader).listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount())
          .isEqualTo(3);

      control(cluster, leader, leader).updateNode(UpdateNodeRequest.newBuilder()
          .setNode(id).setRole(NodeRole.NODE_ROLE_WORKER).build());
      assertThatThrownBy(() -> ControlGrpc.newBlockingStub(
                  cluster.channelAs(managerCredentials, TestCluster.apiAddress(cluster.leader())))
              .listNodes(ListNodesRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
      await().atMost(Duration.ofSeconds(60)).until(() -> worker.identity().role() == Role.WORKER
          && worker.manager() == null
          && cluster.store().membership().members().stream().noneMatch(m -> m.id().equals(id)));
      assertThat(worker.identity().nodeId()).isEqualTo(id);
    }
  }

  @Test
  void demotingTheLastManagerOrBelowQuorumIsRefused() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      BatonNode only = cluster.manager();
      assertThatThrownBy(() -> control(cluster, only, only).updateNode(UpdateNodeRequest.newBuilder()
              .setNode(only.identity().nodeId()).setRole(NodeRole.NODE_ROLE_WORKER).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).contains("last manager");
          });

      BatonNode second = cluster.addManager();
      BatonNode third = cluster.addManager();
      BatonNode leader = cluster.leader();
      BatonNode down = leader == third ? second : third;
      BatonNode other = List.of(only, second, third).stream()
          .filter(n -> n != leader && n != down).findFirst().orElseThrow();
      cluster.stop(down);
      await().atMost(Duration.ofSeconds(15)).until(() -> leader.manager().store().membership().members().stream()
          .anyMatch(m -> m.id().equals(down.identity().nodeId())
              && m.reachability() == StoreMembership.Reachability.UNREACHABLE));
      assertThatThrownBy(() -> control(cluster, leader, leader).updateNode(UpdateNodeRequest.newBuilder()
              .setNode(other.identity().nodeId()).setRole(NodeRole.NODE_ROLE_WORKER).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).contains("quorum");
          });
    }
  }

  /**
   * Reads answered on a follower (services, tasks, secrets) first catch up with the leader's commit
   * index: a client that wrote through one manager reads its write back through any other, also
   * through a manager that was down during the write and has just restarted. Regression: they were
   * served from the follower's replica as it was, seconds behind after a restart.
   */
  @Test
  void aFollowerAnswersReadsWithEveryWriteAcknowledgedBeforeThem() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      cluster.addManager();
      cluster.addManager();
      BatonNode leader = cluster.leader();
      BatonNode follower = cluster.managers().stream().filter(m -> m != leader).findFirst().orElseThrow();
      for (int i = 0; i < 10; i++) {
        String name = "written-" + i;
        control(cluster, leader, leader).createService(CreateServiceRequest.newBuilder().setSpec(spec(name)).build());
        assertThat(control(cluster, follower, follower).getService(
            GetServiceRequest.newBuilder().setService(name).build()).getService().getSpec().getName()).isEqualTo(name);
      }

      java.nio.file.Path dir = follower.stateDir().root();
      cluster.stop(follower);
      for (int i = 0; i < 40; i++) {
        control(cluster, leader, leader).createService(
            CreateServiceRequest.newBuilder().setSpec(spec("while-down-" + i)).build());
      }
      BatonNode restarted = cluster.restart(dir, dir.getFileName().toString());
      assertThat(control(cluster, restarted, restarted).listServices(ListServicesRequest.getDefaultInstance())
          .getServicesCount()).isEqualTo(50);
    }
  }

  @Test
  void aManagerWithoutAMajorityFailsCallsWithUnavailableInsteadOfHanging() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      BatonNode second = cluster.addManager();
      BatonNode third = cluster.addManager();
      BatonNode first = cluster.manager();
      cluster.stop(second);
      cluster.stop(third);
      long start = System.nanoTime();
      assertThatThrownBy(() -> control(cluster, first, first).createService(
              CreateServiceRequest.newBuilder().setSpec(spec("isolated")).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }
  }

  @Test
  void allManagersRestartFromDiskWithTheirState() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      cluster.addManager();
      cluster.addManager();
      BatonNode leader = cluster.leader();
      control(cluster, leader, leader).createService(
          CreateServiceRequest.newBuilder().setSpec(spec("survives-restart")).build());
      List<BatonNode> managers = cluster.managers();
      List<java.nio.file.Path> dirs = managers.stream().map(n -> n.stateDir().root()).toList();
      managers.forEach(cluster::stop);

      List<BatonNode> restarted = new java.util.ArrayList<>();
      for (java.nio.file.Path dir : dirs) {
        restarted.add(cluster.restart(dir, dir.getFileName().toString()));
      }
      BatonNode next = cluster.leader();
      assertThat(next.manager().store().membership().members()).hasSize(3);
      for (BatonNode on : restarted) {
        await().atMost(Duration.ofSeconds(20)).until(() -> on.manager().store().view().services().stream()
            .anyMatch(s -> s.getSpec().getName().equals("survives-restart")));
      }
      control(cluster, restarted.get(1), restarted.get(1)).createService(
          CreateServiceRequest.newBuilder().setSpec(spec("after-restart")).build());
    }
  }

  @Test
  void demotingTheLeaderOfTwoManagersHandsOverAndKeepsTheClusterWritable() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      cluster.addManager();
      BatonNode leader = cluster.leader();
      BatonNode other = cluster.managers().stream().filter(n -> n != leader).findFirst().orElseThrow();
      String leaderId = leader.identity().nodeId();

      control(cluster, other, other).updateNode(UpdateNodeRequest.newBuilder()
          .setNode(leaderId).setRole(NodeRole.NODE_ROLE_WORKER).build());

      await().atMost(Duration.ofSeconds(60)).until(() -> leader.manager() == null
          && leader.identity().role() == Role.WORKER
          && other.manager().store().isLeader()
          && other.manager().store().membership().members().size() == 1);
      control(cluster, other, other).createService(
          CreateServiceRequest.newBuilder().setSpec(spec("after-leader-demotion")).build());
      assertThat(leader.identity().nodeId()).isEqualTo(leaderId);
      assertThat(leader.stateDir().raftDir()).doesNotExist();
    }
  }
}
