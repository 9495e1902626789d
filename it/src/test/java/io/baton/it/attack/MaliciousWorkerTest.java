package io.baton.it.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.baton.api.Availability;
import io.baton.api.CAGrpc;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateSecretRequest;
import io.baton.api.CreateServiceRequest;
import io.baton.api.DispatcherGrpc;
import io.baton.api.GetDataKeysRequest;
import io.baton.api.GetJoinTokensRequest;
import io.baton.api.GetUnlockKeyRequest;
import io.baton.api.HeartbeatRequest;
import io.baton.api.IssueNodeCertificateRequest;
import io.baton.api.JoinRaftRequest;
import io.baton.api.NodeCertificateStatusRequest;
import io.baton.api.NodeDescription;
import io.baton.api.NodeRole;
import io.baton.api.NodeSpec;
import io.baton.api.RaftMembershipGrpc;
import io.baton.api.RemoveNodeRequest;
import io.baton.api.ReplicatedService;
import io.baton.api.RotateJoinTokenRequest;
import io.baton.api.SecretSpec;
import io.baton.api.ServiceSpec;
import io.baton.api.SessionMessage;
import io.baton.api.SessionRequest;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import io.baton.api.TaskStatusUpdate;
import io.baton.api.UpdateClusterRequest;
import io.baton.api.UpdateNodeRequest;
import io.baton.api.UpdateTaskStatusRequest;
import io.baton.ca.CertificateIssuer;
import io.baton.ca.Credentials;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeys;
import io.baton.ca.Pem;
import io.baton.ca.Role;
import io.baton.it.Cli;
import io.baton.it.Csrs;
import io.baton.it.RaftPortProbe;
import io.baton.it.TestCluster;
import io.baton.node.BatonNode;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Attacker 4 of DESIGN §1, a compromised worker: the attacker holds a worker's real certificate
 * and key and runs its own code in place of the agent (the node's process is stopped, its node
 * object stays). One manager (drained) and a victim worker running a task with a secret. Every
 * attack is refused, and the store is the same afterwards.
 *
 * <p>Elsewhere: {@code AuthzMatrixTest} (every RPC with an empty request as a worker; a real
 * CA-signed manager OU on a worker node), {@code SecretsTest} (another task's secret over the
 * control API and the dispatcher, a forged status for another node's task, zone labels),
 * {@code NodeRemovalTest} (renewal and every listener after {@code node rm}).
 */
@Timeout(240)
class MaliciousWorkerTest {
  private static TestCluster cluster;
  private static BatonNode victim;
  private static Task victimTask;
  private static Credentials stolen;
  private static Channel attacker;
  private static final String MARKER = "worker-attack-secret-7c1f";

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(2);
    var admin = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()))
        .withDeadlineAfter(60, TimeUnit.SECONDS);
    admin.updateNode(UpdateNodeRequest.newBuilder().setNode(cluster.manager().identity().nodeId())
        .setAvailability(Availability.AVAILABILITY_DRAIN).build());
    victim = cluster.workers().get(0);
    BatonNode compromised = cluster.workers().get(1);
    stolen = compromised.credentials();
    cluster.stop(compromised);
    attacker = cluster.channelAs(stolen);
    admin.createSecret(CreateSecretRequest.newBuilder().setSpec(SecretSpec.newBuilder().setName("victim-db"))
        .setData(ByteString.copyFromUtf8(MARKER)).build());
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("victim")
        .setReplicated(ReplicatedService.newBuilder().setReplicas(1));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "300"))
        .setStopGracePeriodMs(1_000).addSecrets(io.baton.api.SecretReference.newBuilder().setSecretName("victim-db"));
    spec.getTaskBuilder().getPlacementBuilder().addConstraints("node.id==" + victim.identity().nodeId());
    String serviceId = admin.createService(CreateServiceRequest.newBuilder().setSpec(spec).build())
        .getService().getId();
    victimTask = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> cluster.store().view().tasksOfService(serviceId).stream()
            .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING).findFirst(), Optional::isPresent)
        .orElseThrow();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void realRequestsToTheControlApiAreRefusedAndChangeNothing() {
    String self = stolen.identity().nodeId();
    String victimId = victim.identity().nodeId();
    String before = storeState();
    var control = ControlGrpc.newBlockingStub(attacker).withDeadlineAfter(10, TimeUnit.SECONDS);
    List<ThrowingCallable> attacks = List.of(
        () -> control.updateNode(UpdateNodeRequest.newBuilder().setNode(self).setRole(NodeRole.NODE_ROLE_MANAGER).build()),
        () -> control.updateNode(UpdateNodeRequest.newBuilder().setNode(self).putLabelAdd("zone", "pci").build()),
        () -> control.updateNode(UpdateNodeRequest.newBuilder().setNode(victimId)
            .setAvailability(Availability.AVAILABILITY_DRAIN).build()),
        () -> control.removeNode(RemoveNodeRequest.newBuilder().setNode(victimId).setForce(true).build()),
        () -> control.createService(CreateServiceRequest.newBuilder().setSpec(ServiceSpec.newBuilder().setName("evil")
            .setReplicated(ReplicatedService.newBuilder().setReplicas(1))).build()),
        () -> control.createSecret(CreateSecretRequest.newBuilder().setSpec(SecretSpec.newBuilder().setName("evil"))
            .setData(ByteString.copyFromUtf8("x")).build()),
        () -> control.getJoinTokens(GetJoinTokensRequest.getDefaultInstance()),
        () -> control.rotateJoinToken(RotateJoinTokenRequest.getDefaultInstance()),
        () -> control.getUnlockKey(GetUnlockKeyRequest.getDefaultInstance()),
        () -> control.updateCluster(UpdateClusterRequest.newBuilder().setNodeCertExpirySeconds(365L * 24 * 3600).build()));
    for (ThrowingCallable attack : attacks) {
      assertRefused(attack, Status.Code.PERMISSION_DENIED);
    }
    assertThat(storeState()).isEqualTo(before);
  }

  @Test
  void theRaftPortTheRaftGroupAndTheDataKeysAreClosedToIt() throws Exception {
    var members = cluster.store().membership().members();
    int api = cluster.manager().manager().port();
    assertThat(RaftPortProbe.answers(new InetSocketAddress("127.0.0.1", api + 1), stolen, cluster)).isFalse();
    var raft = RaftMembershipGrpc.newBlockingStub(attacker).withDeadlineAfter(10, TimeUnit.SECONDS);
    assertRefused(() -> raft.join(JoinRaftRequest.newBuilder().setRaftAddr("127.0.0.1:1")
        .setManagerAddr("127.0.0.1:2").build()), Status.Code.PERMISSION_DENIED);
    assertRefused(() -> raft.getDataKeys(GetDataKeysRequest.getDefaultInstance()), Status.Code.PERMISSION_DENIED);
    assertThat(cluster.store().membership().members()).isEqualTo(members);
  }

  @Test
  void aRenewalCsrAskingForTheManagerOuAndAnotherNodeIdGetsItsOwnWorkerIdentity() throws Exception {
    KeyPair keys = NodeKeys.generate();
    String csr = Csrs.withSubject(keys, "CN=" + victim.identity().nodeId() + ",OU=" + Role.MANAGER.ou()
        + ",O=" + stolen.identity().clusterId());
    var ca = CAGrpc.newBlockingStub(attacker).withDeadlineAfter(10, TimeUnit.SECONDS);
    var issued = ca.issueNodeCertificate(IssueNodeCertificateRequest.newBuilder().setCsrPem(csr).build());
    assertThat(issued.getNodeId()).isEqualTo(stolen.identity().nodeId());
    assertThat(issued.getRole()).isEqualTo(NodeRole.NODE_ROLE_WORKER);
    var chain = Pem.decodeCertificates(ca.nodeCertificateStatus(NodeCertificateStatusRequest.newBuilder()
        .setNodeId(issued.getNodeId()).setCsrSha256(ByteString.copyFrom(CertificateIssuer.csrSha256(csr))).build())
        .getCertificateChainPem());
    assertThat(NodeIdentity.fromCertificate(chain.get(0)))
        .isEqualTo(new NodeIdentity(stolen.identity().nodeId(), Role.WORKER, stolen.identity().clusterId()));
    assertThat(cluster.node(stolen.identity().nodeId()).getRole()).isEqualTo(NodeRole.NODE_ROLE_WORKER);
    // With the renewed certificate it is still a worker: no control API.
    Channel renewed = cluster.channelAs(new Credentials(keys.getPrivate(), chain));
    assertRefused(() -> ControlGrpc.newBlockingStub(renewed).getJoinTokens(GetJoinTokensRequest.getDefaultInstance()),
        Status.Code.PERMISSION_DENIED);
  }

  @Test
  void itCannotReportItselfAsManagerOrInAZoneNorAskForAnotherNodesAssignments() throws Exception {
    String self = stolen.identity().nodeId();
    String victimHostname = cluster.node(victim.identity().nodeId()).getDescription().getHostname();
    // Fields the schema does not have, numbered like a node's role (3) and spec (4), and a node id
    // (as if the session could name whose assignments it wants).
    NodeSpec claimed = NodeSpec.newBuilder().setDesiredRole(NodeRole.NODE_ROLE_MANAGER).putLabels("zone", "pci").build();
    NodeDescription description = NodeDescription.newBuilder().setHostname(victimHostname)
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(3, UnknownFieldSet.Field.newBuilder().addVarint(NodeRole.NODE_ROLE_MANAGER_VALUE).build())
            .addField(4, UnknownFieldSet.Field.newBuilder().addLengthDelimited(claimed.toByteString()).build())
            .build())
        .build();
    SessionRequest request = SessionRequest.newBuilder().setDescription(description)
        .setUnknownFields(UnknownFieldSet.newBuilder().addField(2, UnknownFieldSet.Field.newBuilder()
            .addLengthDelimited(ByteString.copyFromUtf8(victim.identity().nodeId())).build()).build())
        .build();
    SessionMessage first;
    try (Context.CancellableContext context = Context.current().withCancellation()) {
      first = context.call(() -> DispatcherGrpc.newBlockingStub(attacker).session(request).next());
    }
    assertThat(first.getNode().getId()).isEqualTo(self);
    assertThat(first.getTasksList()).isEmpty();
    assertThat(first.getSecretsList()).isEmpty();
    assertThat(contains(first, MARKER)).isFalse();

    var node = cluster.node(self);
    assertThat(node.getRole()).isEqualTo(NodeRole.NODE_ROLE_WORKER);
    assertThat(node.getSpec().getDesiredRole()).isEqualTo(NodeRole.NODE_ROLE_WORKER);
    assertThat(node.getSpec().getLabelsMap()).isEmpty();
    assertThat(node.getDescription().getUnknownFields().asMap()).as("kept unknown fields").isEmpty();
    assertThat(cluster.store().membership().members()).noneMatch(m -> m.id().equals(self));
    assertThat(cluster.node(victim.identity().nodeId()).getDescription().getHostname()).isEqualTo(victimHostname);
    assertThat(cluster.manager().manager().dispatcher().connectedNodes()).contains(victim.identity().nodeId());
    // Its copy of the victim's hostname does not let an operator's command reach it by mistake.
    Cli.Result inspect = Cli.run("--state-dir", cluster.manager().stateDir().root().toString(),
        "node", "inspect", victimHostname);
    assertThat(inspect.exitCode()).isEqualTo(1);
    assertThat(inspect.err()).contains("several nodes have hostname");
  }

  @Test
  void anOversizedSelfDescriptionIsRefusedAndNotWrittenToTheStore() {
    String self = stolen.identity().nodeId();
    var before = cluster.node(self).getDescription();
    SessionRequest huge = SessionRequest.newBuilder()
        .setDescription(NodeDescription.newBuilder().setHostname("h".repeat(1024 * 1024))).build();
    try (Context.CancellableContext context = Context.current().withCancellation()) {
      assertRefused(() -> context.call(() -> DispatcherGrpc.newBlockingStub(attacker).session(huge).next()),
          Status.Code.INVALID_ARGUMENT);
    }
    assertThat(cluster.node(self).getDescription()).isEqualTo(before);
  }

  @Test
  void theVictimsSessionIdDoesNotLetItHeartbeatOrReportForTheVictim() {
    String sessionId = victim.agent().sessionId().orElseThrow();
    var dispatcher = DispatcherGrpc.newBlockingStub(attacker).withDeadlineAfter(10, TimeUnit.SECONDS);
    assertRefused(() -> dispatcher.heartbeat(HeartbeatRequest.newBuilder().setSessionId(sessionId).build()),
        Status.Code.NOT_FOUND, Status.Code.INVALID_ARGUMENT);
    assertRefused(() -> dispatcher.updateTaskStatus(UpdateTaskStatusRequest.newBuilder().setSessionId(sessionId)
        .addUpdates(TaskStatusUpdate.newBuilder().setTaskId(victimTask.getId())
            .setStatus(TaskStatus.newBuilder().setState(TaskState.TASK_STATE_FAILED).setError("forged")))
        .build()), Status.Code.NOT_FOUND, Status.Code.INVALID_ARGUMENT, Status.Code.PERMISSION_DENIED);
    assertThat(cluster.store().view().task(victimTask.getId()).orElseThrow().getStatus().getState())
        .isEqualTo(TaskState.TASK_STATE_RUNNING);
    assertThat(victim.agent().sessionId()).contains(sessionId);
  }

  /** Everything an attack on the control API could change: nodes, services, secrets, cluster settings. */
  private static String storeState() {
    var view = cluster.store().view();
    StringBuilder state = new StringBuilder();
    view.nodes().forEach(n -> state.append(n.getId()).append(n.getRole()).append(n.getSpec()).append('\n'));
    view.services().forEach(s -> state.append(s.getId()).append(s.getSpec()).append('\n'));
    view.secrets().forEach(s -> state.append(s.getId()).append(s.getSpec()).append('\n'));
    var c = view.cluster().orElseThrow();
    return state.append(c.getSpec()).append(c.getJoinTokens()).append(c.getDataKeysCount()).toString();
  }

  private static boolean contains(Message message, String marker) {
    return message.toByteString().toString(StandardCharsets.ISO_8859_1).contains(marker);
  }

  private static void assertRefused(ThrowingCallable call, Status.Code... codes) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isIn((Object[]) codes));
  }
}
