package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baton.api.Cluster;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.GetClusterRequest;
import io.baton.api.ListNodesRequest;
import io.baton.api.ListTasksRequest;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceSpec;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.ca.CertificateIssuer;
import io.baton.ca.ClusterTrustManager;
import io.baton.ca.Credentials;
import io.baton.ca.ManagerChannels;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeyManager;
import io.baton.ca.NodeKeys;
import io.baton.ca.Pem;
import io.baton.ca.Role;
import io.baton.ca.RootCa;
import io.baton.node.BatonNode;
import io.baton.node.NodeException;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Root CA rotation ({@code ca --rotate}): every node moves to a certificate of a new root while
 * tasks and sessions keep running, then the old root is trusted nowhere; join tokens of the old
 * root are refused; a rotation survives the loss of the leader that started it.
 */
@Timeout(300)
class RootRotationTest {
  private static final Duration CONVERGE = Duration.ofSeconds(90);
  private final List<ManagerChannels> opened = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Test
  void everyNodeMovesToTheNewRootWithoutRestartingTasksAndTheOldRootIsRefusedEverywhere() throws Exception {
    try (TestCluster cluster = TestCluster.start(3)) {
      BatonNode manager = cluster.manager();
      ControlGrpc.ControlBlockingStub control = control(cluster, manager.credentials(), manager);
      String serviceId = control.createService(CreateServiceRequest.newBuilder().setSpec(spec("web", 4)).build())
          .getService().getId();
      await().atMost(CONVERGE).until(() -> running(control, serviceId).size() == 4);
      Map<String, Task> tasksBefore = running(control, serviceId);
      Map<BatonNode, String> sessionsBefore = cluster.workers().stream()
          .collect(Collectors.toMap(n -> n, n -> n.agent().sessionId().orElseThrow()));

      Cluster before = cluster.store().view().cluster().orElseThrow();
      RootCa oldRoot = RootCa.fromPem(before.getRootCa().getCaCertPem(), before.getRootCa().getCaKeyPem());
      String oldWorkerToken = cluster.workerToken();
      // A manager certificate minted with the old root's key: accepted before the rotation.
      Credentials forged = forge(oldRoot, manager.identity());
      InetSocketAddress raft = new InetSocketAddress("127.0.0.1", manager.manager().port() + 1);
      assertThat(RaftPortProbe.answers(raft, forged, cluster)).as("old-root certificate before").isTrue();

      // The CLI shows progress until the rotation is done, then prints the new root.
      Cli.Result rotated = Cli.run("--state-dir", manager.stateDir().root().toString(), "ca", "--rotate");
      assertThat(rotated.exitCode()).as(rotated.err()).isZero();
      assertThat(rotated.err()).contains("root CA rotation in progress: 0 out of 4 nodes").contains("root CA rotated");
      Cluster after = cluster.store().view().cluster().orElseThrow();
      assertThat(after.getRootCa().hasRotation()).isFalse();
      String newDigest = after.getRootCa().getDigest();
      assertThat(newDigest).isNotEqualTo(before.getRootCa().getDigest());
      assertThat(rotated.out()).isEqualTo(after.getRootCa().getCaCertPem());
      X509Certificate newRoot = Pem.decodeCertificates(after.getRootCa().getCaCertPem()).get(0);

      // Every node holds a certificate of the new root and trusts only the new root, on disk too.
      for (BatonNode node : allNodes(cluster)) {
        await().atMost(CONVERGE).untilAsserted(() -> {
          assertThat(node.credentials().chain()).as("presented chain").containsExactly(node.credentials().leaf(), newRoot);
          assertThat(Pem.decodeCertificates(Files.readString(node.stateDir().rootCaCert()))).containsExactly(newRoot);
          assertThat(Pem.decodeCertificates(Files.readString(node.stateDir().nodeCert())))
              .containsExactly(node.credentials().leaf(), newRoot);
        });
        node.credentials().leaf().verify(newRoot.getPublicKey());
      }

      // The old root's certificate is refused by the manager API and the Raft port.
      ControlGrpc.ControlBlockingStub asForged = control(cluster, forged, manager);
      assertThatThrownBy(() -> asForged.listNodes(ListNodesRequest.getDefaultInstance()))
          .isInstanceOf(StatusRuntimeException.class);
      assertThat(RaftPortProbe.answers(raft, forged, cluster)).as("old-root certificate after").isFalse();
      assertThat(RaftPortProbe.answers(raft, manager.credentials(), cluster)).as("new-root certificate").isTrue();
      assertThat(control(cluster, manager.credentials(), manager).listNodes(ListNodesRequest.getDefaultInstance())
          .getNodesCount()).isEqualTo(4);

      // No task restarted, no session was interrupted.
      Map<String, Task> tasksAfter = running(control, serviceId);
      assertThat(tasksAfter.keySet()).isEqualTo(tasksBefore.keySet());
      tasksBefore.forEach((id, task) -> {
        assertThat(tasksAfter.get(id).getStatus()).isEqualTo(task.getStatus());
        assertThat(tasksAfter.get(id).getHistoryList()).isEqualTo(task.getHistoryList());
      });
      assertThat(control.listTasks(ListTasksRequest.newBuilder().setService(serviceId).build()).getTasksCount())
          .isEqualTo(4);
      sessionsBefore.forEach((node, session) -> assertThat(node.agent().sessionId()).contains(session));

      // Join tokens name the new root: the old one is refused, the new one works.
      assertThat(cluster.workerToken()).contains(newDigest).isNotEqualTo(oldWorkerToken);
      assertThatThrownBy(() -> cluster.joinWorker(cluster.root().resolve("late-old"), "late-old", oldWorkerToken, null))
          .isInstanceOf(NodeException.class).hasMessageContaining("does not match the join token");
      BatonNode late = cluster.addWorker();
      late.credentials().leaf().verify(newRoot.getPublicKey());
    }
  }

  @Test
  void aRotationInterruptedByTheLossOfItsLeaderFinishesUnderTheNextLeader() throws Exception {
    try (TestCluster cluster = TestCluster.start(1)) {
      cluster.addManager();
      cluster.addManager();
      BatonNode leader = cluster.leader();
      var stateDir = leader.stateDir().root();
      Cli.Result detached = Cli.run("--state-dir", stateDir.toString(), "ca", "--rotate", "--detach");
      assertThat(detached.exitCode()).as(detached.err()).isZero();
      String newDigest = cluster.store().view().cluster().orElseThrow().getRootCa().getRotation().getDigest();
      Cli.Result again = Cli.run("--state-dir", stateDir.toString(), "ca", "--rotate", "--detach");
      assertThat(again.exitCode()).isEqualTo(1);
      assertThat(again.err()).contains("already in progress");
      cluster.stop(leader);

      // Under a heavily loaded machine the election may take a while: wait longer than leader() does.
      await().atMost(CONVERGE).pollInterval(Duration.ofMillis(100))
          .until(() -> cluster.managers().stream().anyMatch(n -> n.manager().store().isLeader()));
      BatonNode next = cluster.leader();
      assertThat(next).isNotSameAs(leader);
      // The stopped manager is behind: it holds the rotation up until it is back.
      ControlGrpc.ControlBlockingStub nextControl = control(cluster, next.credentials(), next);
      await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
        var progress = nextControl.withDeadlineAfter(10, TimeUnit.SECONDS)
            .getCluster(GetClusterRequest.getDefaultInstance());
        return progress.hasRootRotation() && progress.getRootRotation().getNodesDone() == 3
            && progress.getRootRotation().getPendingList().stream()
                .anyMatch(p -> p.getNodeId().equals(leader.identity().nodeId()));
      });
      Cli.Result shown = Cli.run("--state-dir", next.stateDir().root().toString(), "ca");
      assertThat(shown.err()).contains("root CA rotation in progress: 3 out of 4 nodes")
          .contains("waiting for " + stateDir.getFileName());
      BatonNode back = cluster.restart(stateDir, stateDir.getFileName().toString());

      await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).until(() ->
          cluster.store().view().cluster().orElseThrow().getRootCa().getDigest().equals(newDigest));
      X509Certificate newRoot = Pem.decodeCertificates(
          cluster.store().view().cluster().orElseThrow().getRootCa().getCaCertPem()).get(0);
      for (BatonNode node : allNodes(cluster)) {
        await().atMost(CONVERGE).untilAsserted(() ->
            assertThat(node.credentials().chain()).containsExactly(node.credentials().leaf(), newRoot));
      }
      back.credentials().leaf().verify(newRoot.getPublicKey());
    }
  }

  private static List<BatonNode> allNodes(TestCluster cluster) {
    List<BatonNode> all = new java.util.ArrayList<>(cluster.workers());
    all.add(cluster.manager());
    return all.stream().distinct().toList();
  }

  private static Credentials forge(RootCa oldRoot, NodeIdentity identity) throws Exception {
    KeyPair keys = NodeKeys.generate();
    var issued = new CertificateIssuer(Clock.systemUTC(), new SecureRandom())
        .issue(oldRoot, NodeKeys.csrPem(keys), new NodeIdentity(identity.nodeId(), Role.MANAGER, identity.clusterId()),
            Duration.ofHours(1));
    return new Credentials(keys.getPrivate(), issued.chain());
  }

  /** A control stub on {@code on} as {@code as}, trusting the roots {@code on} presents now. */
  private ControlGrpc.ControlBlockingStub control(TestCluster cluster, Credentials as, BatonNode on) {
    List<X509Certificate> chain = on.credentials().chain();
    var trust = new ClusterTrustManager(on.identity().clusterId(),
        chain.subList(1, chain.size()).stream().filter(c -> c.getBasicConstraints() >= 0).toList(),
        Clock.systemUTC());
    ManagerChannels channels = new ManagerChannels(new NodeKeyManager(as).keyManager(), trust);
    opened.add(channels);
    // No deadline here: a stub's deadline is absolute, and some stubs poll for longer. The test's
    // timeout bounds every call.
    return ControlGrpc.newBlockingStub(channels.get(TestCluster.apiAddress(on)));
  }

  @AfterEach
  void closeChannels() {
    opened.forEach(ManagerChannels::close);
  }

  private static ServiceSpec spec(String name, long replicas) {
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName(name)
        .setReplicated(ReplicatedService.newBuilder().setReplicas(replicas));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "3600"));
    return spec.build();
  }

  private static Map<String, Task> running(ControlGrpc.ControlBlockingStub control, String serviceId) {
    return control.listTasks(ListTasksRequest.newBuilder().setService(serviceId).build()).getTasksList().stream()
        .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING)
        .collect(Collectors.toMap(Task::getId, Function.identity()));
  }
}
