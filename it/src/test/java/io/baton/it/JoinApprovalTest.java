package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.baton.api.CAGrpc;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateSecretRequest;
import io.baton.api.CreateServiceRequest;
import io.baton.api.DispatcherGrpc;
import io.baton.api.GetDataKeysRequest;
import io.baton.api.GetRootCACertificateRequest;
import io.baton.api.GlobalService;
import io.baton.api.JoinRaftRequest;
import io.baton.api.ListNodesRequest;
import io.baton.api.ListTasksRequest;
import io.baton.api.NodeMembership;
import io.baton.api.NodeRole;
import io.baton.api.NodeState;
import io.baton.api.RaftMembershipGrpc;
import io.baton.api.SecretReference;
import io.baton.api.SecretSpec;
import io.baton.api.ServiceSpec;
import io.baton.api.SessionRequest;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.Toggle;
import io.baton.api.UpdateClusterRequest;
import io.baton.api.UpdateNodeRequest;
import io.baton.ca.Credentials;
import io.baton.ca.JoinToken;
import io.baton.ca.PendingApproval;
import io.baton.ca.RemoteCa;
import io.baton.node.BatonNode;
import io.baton.node.JoinOptions;
import io.baton.node.NodeException;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * Join approval over a real cluster (real TLS, real store, process executor): a node that joins
 * with a valid token while {@code --join-approval} is on holds a certificate but gets nothing — no
 * task of a global service, no secret, no session, no control API, no Raft, no store keys — until
 * {@code node accept}; a manager-token joiner waits outside the Raft group, also after a restart,
 * and goes on once accepted; {@code node rm} removes a pending node without {@code --force}; turning approval off
 * admits nobody already waiting.
 */
@Timeout(240)
class JoinApprovalTest {

  @Test
  void aPendingWorkerGetsNoTaskNorSecretUntilAcceptedThenRunsItsGlobalTask() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      String dir = cluster.manager().stateDir().root().toString();
      assertThat(Cli.run("--state-dir", dir, "cluster", "update", "--join-approval", "true").exitCode()).isZero();
      assertThat(Cli.run("--state-dir", dir, "cluster", "inspect").out()).contains("\"joinApproval\" : true");
      BatonNode worker = joinWorker(cluster, "waiting");
      String id = worker.identity().nodeId();
      await().atMost(Duration.ofSeconds(30)).until(() -> worker.agent().awaitingApproval());

      var control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
      String marker = "approval-" + UUID.randomUUID();
      control.createSecret(CreateSecretRequest.newBuilder().setSpec(SecretSpec.newBuilder().setName("everywhere-db"))
          .setData(ByteString.copyFromUtf8(marker)).build());
      ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("everywhere").setGlobal(GlobalService.getDefaultInstance());
      spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sh", "-c", "sleep 300"))
          .setStopGracePeriodMs(1_000).addSecrets(SecretReference.newBuilder().setSecretName("everywhere-db"));
      String serviceId = control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build())
          .getService().getId();

      // The orchestrator gave the manager its task in the same pass that saw the pending node.
      String managerId = cluster.manager().identity().nodeId();
      await().atMost(Duration.ofSeconds(30)).until(() -> running(control, serviceId, managerId));
      assertThat(tasks(control, serviceId)).noneMatch(t -> t.getNodeId().equals(id));
      assertThat(worker.agent().sessionId()).isEmpty();
      assertThat(SecretsTest.holdsMarker(worker, marker)).isFalse();
      StateDirScan.assertNoneContains(worker.stateDir().root(), marker);
      var stored = cluster.node(id);
      assertThat(stored.getSpec().getMembership()).isEqualTo(NodeMembership.NODE_MEMBERSHIP_PENDING);
      assertThat(stored.getRole()).isEqualTo(NodeRole.NODE_ROLE_WORKER);
      assertThat(stored.getStatus().getState()).isEqualTo(NodeState.NODE_STATE_PENDING);
      Cli.Result ls = Cli.run("--state-dir", dir, "node", "ls");
      assertThat(ls.out()).containsPattern(id + " +worker +pending");

      Cli.Result accepted = Cli.run("--state-dir", dir, "node", "accept", id);
      assertThat(accepted.exitCode()).as(accepted.err()).isZero();
      assertThat(accepted.out().strip()).isEqualTo(id);
      cluster.awaitState(id, NodeState.NODE_STATE_READY);
      await().atMost(Duration.ofSeconds(30)).until(() -> running(control, serviceId, id));
      await().atMost(Duration.ofSeconds(10)).until(() -> SecretsTest.holdsMarker(worker, marker));
      assertThat(worker.agent().awaitingApproval()).isFalse();
      assertThat(cluster.node(id).getSpec().getMembership()).isEqualTo(NodeMembership.NODE_MEMBERSHIP_ACCEPTED);

      // Idempotent, and one clear line for a node that does not exist.
      assertThat(Cli.run("--state-dir", dir, "node", "accept", id).exitCode()).isZero();
      Cli.Result unknown = Cli.run("--state-dir", dir, "node", "accept", "zzzz");
      assertThat(unknown.exitCode()).isEqualTo(1);
      assertThat(cliOutput(unknown)).isEqualTo("Error: no such node: zzzz");
    }
  }

  @Test
  void aPendingNodeWithAManagerCertificateIsRefusedEverythingButItsRootAndRenewal() throws Exception {
    try (TestCluster cluster = TestCluster.start(1)) {
      var control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
      control.updateCluster(UpdateClusterRequest.newBuilder().setJoinApproval(Toggle.TOGGLE_ON).build());
      // The attacker holds a real manager-token join: key, CSR, a certificate with the manager OU.
      RemoteCa.Joined joined = RemoteCa.join(cluster.managerAddress(), JoinToken.parse(cluster.managerToken()),
          Clock.systemUTC());
      assertThat(joined.pending()).isTrue();
      String id = joined.identity().nodeId();
      Credentials stolen = joined.credentials();
      Channel as = cluster.channelAs(stolen);

      assertPending(() -> ControlGrpc.newBlockingStub(as).withDeadlineAfter(10, TimeUnit.SECONDS)
          .listNodes(ListNodesRequest.getDefaultInstance()), id);
      assertPending(() -> RaftMembershipGrpc.newBlockingStub(as).withDeadlineAfter(10, TimeUnit.SECONDS)
          .getDataKeys(GetDataKeysRequest.getDefaultInstance()), id);
      assertPending(() -> RaftMembershipGrpc.newBlockingStub(as).withDeadlineAfter(10, TimeUnit.SECONDS)
          .join(JoinRaftRequest.newBuilder().setRaftAddr("127.0.0.1:1").setManagerAddr("127.0.0.1:1").build()), id);
      assertPending(() -> DispatcherGrpc.newBlockingStub(as).withDeadlineAfter(10, TimeUnit.SECONDS)
          .session(SessionRequest.getDefaultInstance()).hasNext(), id);
      InetSocketAddress raft = new InetSocketAddress("127.0.0.1", cluster.manager().manager().port() + 1);
      assertThat(RaftPortProbe.answers(raft, stolen, cluster)).as("raft port").isFalse();
      assertThat(cluster.store().membership().members()).noneMatch(m -> m.id().equals(id));
      assertThat(cluster.node(id).getRole()).isEqualTo(NodeRole.NODE_ROLE_WORKER);

      // What it needs to wait: the root, and a renewal that keeps its identity and its refusals.
      assertThat(CAGrpc.newBlockingStub(as).getRootCACertificate(GetRootCACertificateRequest.getDefaultInstance())
          .getCertificatePem()).isNotEmpty();
      Credentials renewed = RemoteCa.renew(as, joined.identity(), List.of(joined.root()), Clock.systemUTC());
      assertThat(renewed.identity()).isEqualTo(joined.identity());
      assertPending(() -> ControlGrpc.newBlockingStub(cluster.channelAs(renewed)).withDeadlineAfter(10, TimeUnit.SECONDS)
          .listNodes(ListNodesRequest.getDefaultInstance()), id);

      // Operators see what accepting it would grant, and cannot promote it around the approval.
      Cli.Result json = Cli.run("--state-dir", cluster.manager().stateDir().root().toString(),
          "node", "inspect", id, "--format", "json");
      assertThat(json.out()).contains("\"role\" : \"manager\"").contains("\"status\" : \"pending\"")
          .contains("\"membership\" : \"pending\"");
      assertThatThrownBy(() -> control.updateNode(UpdateNodeRequest.newBuilder().setNode(id)
          .setRole(NodeRole.NODE_ROLE_MANAGER).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
              .isEqualTo(Status.Code.FAILED_PRECONDITION));
      assertThat(cluster.node(id).getRole()).isEqualTo(NodeRole.NODE_ROLE_WORKER);
    }
  }

  @Test
  void aManagerTokenJoinWaitsOutsideRaftAcrossARestartUntilAcceptedThenJoinsTheGroup() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      String dir = cluster.manager().stateDir().root().toString();
      assertThat(Cli.run("--state-dir", dir, "cluster", "update", "--join-approval", "true").exitCode()).isZero();
      Path state = cluster.root().resolve("m2");
      String addr = "127.0.0.1:" + Ports.freePair();
      // Its own thread: the join blocks until accepted, and Ratis needs the common pool meanwhile.
      ExecutorService joiner = Executors.newSingleThreadExecutor();
      Future<BatonNode> join = joiner.submit(() -> BatonNode.join(new JoinOptions(state, cluster.managerToken(),
          cluster.managerAddress(), addr, addr, "process", null), TestCluster.settings("m2")));
      joiner.shutdown();
      String id = await().atMost(Duration.ofSeconds(30)).until(() -> cluster.store().view().nodes().stream()
          .filter(n -> n.getSpec().getMembership() == NodeMembership.NODE_MEMBERSHIP_PENDING)
          .map(n -> n.getId()).findFirst(), java.util.Optional::isPresent).orElseThrow();
      assertThat(cluster.node(id).getSpec().getDesiredRole()).isEqualTo(NodeRole.NODE_ROLE_MANAGER);
      // It keeps asking for the store's keys (every second) and is refused each time.
      Thread.sleep(2_500);
      assertThat(join.isDone()).isFalse();
      assertThat(cluster.store().membership().members()).hasSize(1);
      assertThat(state.resolve("keys").toFile().list()).isNullOrEmpty();

      // Stopped while it waits and started again from its state dir, it goes back to waiting.
      join.cancel(true);
      assertThat(joiner.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      ExecutorService restarter = Executors.newSingleThreadExecutor();
      Future<BatonNode> restart = restarter.submit(() -> BatonNode.start(state, TestCluster.settings("m2")));
      restarter.shutdown();
      Thread.sleep(2_500);
      assertThat(restart.isDone()).isFalse();
      assertThat(cluster.store().membership().members()).hasSize(1);

      assertThat(Cli.run("--state-dir", dir, "node", "accept", id).exitCode()).isZero();
      BatonNode added = restart.get(90, TimeUnit.SECONDS);
      cluster.adopt(added, state);
      assertThat(added.identity().nodeId()).isEqualTo(id);
      await().atMost(Duration.ofSeconds(30))
          .until(() -> cluster.store().membership().members().stream().anyMatch(m -> m.id().equals(id)));
      assertThat(cluster.node(id).getRole()).isEqualTo(NodeRole.NODE_ROLE_MANAGER);
      cluster.awaitState(id, NodeState.NODE_STATE_READY);
    }
  }

  @Test
  void turningApprovalOffAdmitsNobodyWaitingAndRmRemovesAPendingNodeWithoutForce() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      String dir = cluster.manager().stateDir().root().toString();
      assertThat(Cli.run("--state-dir", dir, "cluster", "update", "--join-approval", "true").exitCode()).isZero();
      BatonNode waiting = joinWorker(cluster, "waiting");
      String id = waiting.identity().nodeId();
      await().atMost(Duration.ofSeconds(30)).until(() -> waiting.agent().awaitingApproval());

      assertThat(Cli.run("--state-dir", dir, "cluster", "update", "--join-approval", "false").exitCode()).isZero();
      assertThat(Cli.run("--state-dir", dir, "cluster", "inspect").out()).contains("\"joinApproval\" : false");
      // A node that joins now is a member at once; the one already waiting still waits.
      BatonNode later = cluster.addWorker();
      assertThat(cluster.node(later.identity().nodeId()).getSpec().getMembership())
          .isEqualTo(NodeMembership.NODE_MEMBERSHIP_ACCEPTED);
      assertThat(cluster.node(id).getSpec().getMembership()).isEqualTo(NodeMembership.NODE_MEMBERSHIP_PENDING);
      assertThat(waiting.agent().awaitingApproval()).isTrue();

      Cli.Result rm = Cli.run("--state-dir", dir, "node", "rm", id);
      assertThat(rm.exitCode()).as(rm.err()).isZero();
      assertThat(rm.out().strip()).isEqualTo(id);
      String message = waiting.removal().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(message).contains(id).contains("removed");
      assertThat(cluster.store().view().node(id)).isEmpty();
    }
  }

  private static BatonNode joinWorker(TestCluster cluster, String name) throws NodeException {
    Path state = cluster.root().resolve(name);
    BatonNode node = BatonNode.join(new JoinOptions(state, cluster.workerToken(), cluster.managerAddress(),
        "127.0.0.1:0", "127.0.0.1:0", "process", null), TestCluster.settings(name));
    cluster.adopt(node, state);
    return node;
  }

  private static List<Task> tasks(ControlGrpc.ControlBlockingStub control, String serviceId) {
    return control.listTasks(ListTasksRequest.newBuilder().setService(serviceId).build()).getTasksList();
  }

  private static boolean running(ControlGrpc.ControlBlockingStub control, String serviceId, String nodeId) {
    return tasks(control, serviceId).stream()
        .anyMatch(t -> t.getNodeId().equals(nodeId) && t.getStatus().getState() == TaskState.TASK_STATE_RUNNING);
  }

  /** The call is refused as a node waiting for approval, with the trailer naming {@code nodeId}. */
  private static void assertPending(Executable call, String nodeId) {
    try {
      call.execute();
      throw new AssertionError("a pending node's call was answered");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(PendingApproval.pendingNode(e.getStatus(), e.getTrailers())).contains(nodeId);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  /** What the CLI printed to stderr, without the log lines of the in-process cluster. */
  private static String cliOutput(Cli.Result result) {
    return result.err().lines().filter(l -> !l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d+ .*"))
        .collect(java.util.stream.Collectors.joining("\n")).strip();
  }
}
