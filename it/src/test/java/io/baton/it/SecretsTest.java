package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.baton.api.Availability;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateSecretRequest;
import io.baton.api.CreateServiceRequest;
import io.baton.api.DispatcherGrpc;
import io.baton.api.GetSecretRequest;
import io.baton.api.HeartbeatRequest;
import io.baton.api.ListSecretsRequest;
import io.baton.api.ReplicatedService;
import io.baton.api.SecretReference;
import io.baton.api.SecretSpec;
import io.baton.api.ServiceSpec;
import io.baton.api.SessionMessage;
import io.baton.api.SessionRequest;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import io.baton.api.TaskStatusUpdate;
import io.baton.api.UpdateNodeRequest;
import io.baton.api.UpdateTaskStatusRequest;
import io.baton.node.BatonNode;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Secrets on the in-process cluster (1 manager, 3 workers; real TLS, real store, process executor):
 * assignment sets, withdrawal on a move, a worker playing the attacker with its real certificate,
 * and zone policies.
 */
@Timeout(180)
class SecretsTest {
  private static TestCluster cluster;
  private static ControlGrpc.ControlBlockingStub control;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(3);
    control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
    // The manager runs no tasks here, so that tasks land on the workers under test.
    control.updateNode(UpdateNodeRequest.newBuilder()
        .setNode(cluster.manager().identity().nodeId()).setAvailability(Availability.AVAILABILITY_DRAIN).build());
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aWorkerGetsOnlyItsTasksSecretsAndLosesThemWhenTheTaskMoves() throws Exception {
    String marker = marker();
    createSecret("move-db", marker, List.of());
    BatonNode a = cluster.workers().get(0);
    BatonNode b = cluster.workers().get(1);
    BatonNode other = cluster.workers().get(2);
    label(a, "move", "yes");
    label(b, "move", "yes");
    String serviceId = createService("mover", "node.labels.move==yes", ref("move-db"), "sleep 300");
    Task first = awaitRunningTask(serviceId);
    BatonNode from = first.getNodeId().equals(a.identity().nodeId()) ? a : b;
    BatonNode to = from == a ? b : a;
    Path file = from.secrets().root().resolve(first.getId()).resolve("move-db");
    assertThat(Files.readString(file)).isEqualTo(marker);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("r--------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
    assertThat(holdsMarker(to, marker)).isFalse();
    assertThat(holdsMarker(other, marker)).isFalse();
    String secretId = cluster.store().view().secrets().stream()
        .filter(s -> s.getSpec().getName().equals("move-db")).findFirst().orElseThrow().getId();
    assertThat(from.agent().heldSecretIds()).contains(secretId);
    assertThat(to.agent().heldSecretIds()).doesNotContain(secretId);

    control.updateNode(UpdateNodeRequest.newBuilder()
        .setNode(from.identity().nodeId()).setAvailability(Availability.AVAILABILITY_DRAIN).build());
    try {
      Task moved = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> running(serviceId).filter(t -> t.getNodeId().equals(to.identity().nodeId())), Optional::isPresent)
          .orElseThrow();
      assertThat(Files.readString(to.secrets().root().resolve(moved.getId()).resolve("move-db"))).isEqualTo(marker);
      await().atMost(Duration.ofSeconds(30)).until(() -> !holdsMarker(from, marker));
      assertThat(Files.exists(file.getParent())).isFalse();
      // The old node was sent the withdrawal: its view of its assignments matches the manager's.
      await().atMost(Duration.ofSeconds(30)).until(() -> !from.agent().heldSecretIds().contains(secretId));
      assertThat(from.agent().heldTaskIds()).doesNotContain(first.getId());
      assertThat(to.agent().heldSecretIds()).contains(secretId);
      assertThat(holdsMarker(other, marker)).isFalse();
    } finally {
      control.updateNode(UpdateNodeRequest.newBuilder()
          .setNode(from.identity().nodeId()).setAvailability(Availability.AVAILABILITY_ACTIVE).build());
    }
  }

  @Test
  void aWorkerWithItsRealCertificateCannotObtainASecretNotAssignedToIt() throws Exception {
    String marker = marker();
    createSecret("victim-db", marker, List.of());
    BatonNode victim = cluster.workers().get(0);
    BatonNode attacker = cluster.workers().get(2);
    String serviceId = createService("victim", "node.id==" + victim.identity().nodeId(), ref("victim-db"), "sleep 300");
    Task victimTask = awaitRunningTask(serviceId);
    ManagedChannel channel = cluster.channelAs(attacker.credentials());

    // The control API: every method is refused to a worker certificate, secrets' included.
    var asAttacker = ControlGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    assertDenied(() -> asAttacker.getSecret(GetSecretRequest.newBuilder().setSecret("victim-db").build()));
    assertDenied(() -> asAttacker.listSecrets(ListSecretsRequest.getDefaultInstance()));
    for (MethodDescriptor<?, ?> method : methods(ControlGrpc.getServiceDescriptor())) {
      assertThat(Rpcs.probe(channel, method)).as(method.getFullMethodName()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    // The dispatcher: the attacker's own session stream carries its own (empty) assignment set only.
    SessionMessage own;
    try (Context.CancellableContext context = Context.current().withCancellation()) {
      own = context.call(() -> {
        Iterator<SessionMessage> stream = DispatcherGrpc.newBlockingStub(channel)
            .session(SessionRequest.newBuilder()
                .setDescription(io.baton.api.NodeDescription.newBuilder().setHostname("worker3")).build());
        return stream.next();
      });
    }
    assertThat(own.getKind()).isEqualTo(io.baton.api.SessionMessageKind.SESSION_MESSAGE_KIND_COMPLETE);
    assertThat(own.getTasksList()).noneMatch(t -> t.getId().equals(victimTask.getId()));
    assertThat(own.getSecretsList()).isEmpty();
    assertThat(contains(own, marker)).isFalse();
    var dispatcher = DispatcherGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    // Every other dispatcher RPC: none answers with anything of the secret.
    assertThat(contains(dispatcher.heartbeat(HeartbeatRequest.newBuilder().setSessionId(own.getSessionId()).build()), marker))
        .isFalse();
    // A forged status for the victim's task, with the attacker's own valid session, is refused.
    assertThatThrownBy(() -> dispatcher.updateTaskStatus(UpdateTaskStatusRequest.newBuilder()
            .setSessionId(own.getSessionId())
            .addUpdates(TaskStatusUpdate.newBuilder().setTaskId(victimTask.getId())
                .setStatus(TaskStatus.newBuilder().setState(TaskState.TASK_STATE_FAILED).setError("forged")))
            .build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    // PublishLogs answers with a message that has no fields at all; these are all the RPCs there
    // are (a new one must be added to this test).
    assertThat(io.baton.api.PublishLogsResponse.getDescriptor().getFields()).isEmpty();
    assertThat(methods(DispatcherGrpc.getServiceDescriptor())).extracting(MethodDescriptor::getBareMethodName)
        .containsExactlyInAnyOrder("Session", "UpdateTaskStatus", "PublishLogs", "Heartbeat");
    assertThat(cluster.store().view().task(victimTask.getId()).orElseThrow().getStatus().getState())
        .isEqualTo(TaskState.TASK_STATE_RUNNING);
    assertThat(holdsMarker(attacker, marker)).isFalse();
  }

  @Test
  void aZonedSecretNeverReachesANodeOutsideItsZoneEvenIfTheServiceSendsItThere() throws Exception {
    String marker = marker();
    BatonNode zoneA = cluster.workers().get(0);
    BatonNode zoneB = cluster.workers().get(1);
    label(zoneA, "zone", "a");
    label(zoneB, "zone", "b");
    createSecret("pci-key", marker, List.of("node.labels.zone==a"));
    // Misconfigured: the service's own constraint sends its task to zone b.
    String serviceId = createService("misplaced", "node.labels.zone==b", ref("pci-key"), "sleep 300");
    Task rejected = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> cluster.store().view().tasksOfService(serviceId).stream()
            .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_REJECTED).findFirst(), Optional::isPresent)
        .orElseThrow();
    assertThat(rejected.getNodeId()).isEqualTo(zoneB.identity().nodeId());
    assertThat(rejected.getStatus().getError())
        .contains("secret pci-key", "node constraint node.labels.zone==a")
        .doesNotContain(marker);
    Cli.Result ps = Cli.run("--state-dir", cluster.root().resolve("manager").toString(), "service", "ps", "misplaced");
    assertThat(ps.out()).contains("rejected", "node.labels.zone==a");
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> !holdsMarker(zoneB, marker));

    // The same secret, used in its zone, is delivered.
    String good = createService("in-zone", "node.labels.zone==a", ref("pci-key"), "sleep 300");
    Task running = awaitRunningTask(good);
    assertThat(Files.readString(zoneA.secrets().root().resolve(running.getId()).resolve("pci-key"))).isEqualTo(marker);
    assertThat(holdsMarker(zoneB, marker)).isFalse();
  }

  @Test
  void aNodeCannotSetItsOwnZoneLabel() throws Exception {
    BatonNode worker = cluster.workers().get(2);
    String id = worker.identity().nodeId();
    // The only thing a node reports about itself is its description; labels are not part of it.
    assertThat(io.baton.api.NodeDescription.getDescriptor().getFields())
        .noneMatch(f -> f.getName().contains("label"));
    ManagedChannel channel = cluster.channelAs(worker.credentials());
    assertThat(Rpcs.probe(channel, ControlGrpc.getUpdateNodeMethod())).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertDenied(() -> ControlGrpc.newBlockingStub(channel).updateNode(UpdateNodeRequest.newBuilder()
        .setNode(id).putLabelAdd("zone", "a").build()));
    assertThat(cluster.node(id).getSpec().getLabelsMap()).doesNotContainKey("zone");
  }

  @Test
  void badSecretInputIsOneLineErrorsWithDockerExitCodesAndChangesNothing() throws Exception {
    String dir = cluster.root().resolve("manager").toString();
    Path big = Files.createTempFile(cluster.root(), "big", ".bin");
    Files.write(big, new byte[500 * 1024 + 1]);
    Path small = Files.createTempFile(cluster.root(), "small", ".txt");
    Files.writeString(small, "not really secret");
    long secretsBefore = cluster.store().view().secrets().size();

    assertError(Cli.run("--state-dir", dir, "secret", "create", "huge", big.toString()), 1, "500 KiB");
    assertError(Cli.run("--state-dir", dir, "secret", "create", "a/b", small.toString()), 1, "invalid secret name 'a/b'");
    assertError(Cli.run("--state-dir", dir, "secret", "create", "nofile", "/nonexistent/x"), 125, "no such file");
    assertError(Cli.run("--state-dir", dir, "secret", "create"), 125, "");
    assertThat(cluster.store().view().secrets()).hasSize((int) secretsBefore);

    assertThat(Cli.run("--state-dir", dir, "secret", "create", "dup", small.toString()).exitCode()).isZero();
    assertError(Cli.run("--state-dir", dir, "secret", "create", "dup", small.toString()), 1, "secret dup already exists");
    assertError(Cli.run("--state-dir", dir, "service", "create", "--name", "ghost", "-d", "--secret", "nope",
        "busybox", "sleep", "1"), 1, "secret 'nope' does not exist");
    assertThat(cluster.store().view().services()).noneMatch(x -> x.getSpec().getName().equals("ghost"));
    assertError(Cli.run("--state-dir", dir, "service", "create", "--name", "ghost", "-d", "--secret", "dup,bogus=1",
        "busybox", "sleep", "1"), 125, "bogus");

    assertThat(Cli.run("--state-dir", dir, "service", "create", "--name", "user", "-d",
        "--constraint", "node.labels.nowhere==true", "--secret", "dup,target=cfg", "busybox", "sleep", "1").exitCode())
        .isZero();
    assertError(Cli.run("--state-dir", dir, "secret", "rm", "dup"), 1, "secret dup is in use by service user");
    assertThat(cluster.store().view().secrets()).anyMatch(x -> x.getSpec().getName().equals("dup"));
    assertThat(Cli.run("--state-dir", dir, "service", "update", "-d", "--secret-rm", "dup", "user").exitCode()).isZero();
    assertThat(Cli.run("--state-dir", dir, "secret", "rm", "dup").exitCode()).isZero();
    assertThat(cluster.store().view().secrets()).noneMatch(x -> x.getSpec().getName().equals("dup"));
    Cli.Result ls = Cli.run("--state-dir", dir, "secret", "ls", "--format", "json");
    assertThat(ls.exitCode()).isZero();
    assertThat(ls.out()).doesNotContain("not really secret");
  }

  @Test
  void sessionRegistrationIsRateLimitedPerNode() throws Exception {
    BatonNode node = cluster.addWorker();
    ManagedChannel channel = cluster.channelAs(node.credentials());
    Status.Code refused = null;
    String description = null;
    // The node's own agent registered once and re-registers whenever a session here supersedes
    // its own, so the limit (3 per 8 s) is reached within these attempts.
    for (int i = 0; i < 4 && refused == null; i++) {
      try (Context.CancellableContext context = Context.current().withCancellation()) {
        context.call(() -> DispatcherGrpc.newBlockingStub(channel)
            .session(SessionRequest.newBuilder()
                .setDescription(io.baton.api.NodeDescription.newBuilder().setHostname("flood")).build())
            .next());
      } catch (StatusRuntimeException e) {
        refused = e.getStatus().getCode();
        description = e.getStatus().getDescription();
      }
    }
    assertThat(refused).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(description).contains("registration rate");
    // Another node is not affected by this node's limit.
    assertThat(cluster.workers().get(0).identity().nodeId()).isNotEqualTo(node.identity().nodeId());
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.manager().manager().dispatcher().connectedNodes()
        .contains(cluster.workers().get(0).identity().nodeId()));
  }

  private static void assertError(Cli.Result result, int code, String message) {
    assertThat(result.exitCode()).as(result.err()).isEqualTo(code);
    assertThat(result.err().strip()).contains(message).doesNotContain("\n\tat ");
    if (code == 1) {
      assertThat(result.err().strip().lines()).hasSize(1);
    }
  }

  private static String marker() {
    return "baton-secret-" + UUID.randomUUID();
  }

  private static void createSecret(String name, String value, List<String> zone) {
    control.createSecret(CreateSecretRequest.newBuilder()
        .setSpec(SecretSpec.newBuilder().setName(name).addAllNodeConstraints(zone))
        .setData(ByteString.copyFromUtf8(value)).build());
  }

  private static SecretReference ref(String name) {
    return SecretReference.newBuilder().setSecretName(name).build();
  }

  private static String createService(String name, String constraint, SecretReference secret, String script) {
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName(name)
        .setReplicated(ReplicatedService.newBuilder().setReplicas(1));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sh", "-c", script))
        .setStopGracePeriodMs(1_000).addSecrets(secret);
    spec.getTaskBuilder().getPlacementBuilder().addConstraints(constraint);
    return control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build()).getService().getId();
  }

  private static Optional<Task> running(String serviceId) {
    return cluster.store().view().tasksOfService(serviceId).stream()
        .filter(t -> t.getDesiredState() == TaskState.TASK_STATE_RUNNING)
        .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING)
        .findFirst();
  }

  private static Task awaitRunningTask(String serviceId) {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> running(serviceId), Optional::isPresent).orElseThrow();
  }

  private static void label(BatonNode node, String key, String value) {
    control.updateNode(UpdateNodeRequest.newBuilder().setNode(node.identity().nodeId()).putLabelAdd(key, value).build());
  }

  /** Whether any file under the node's secrets tmpfs holds the marker. */
  static boolean holdsMarker(BatonNode node, String marker) throws IOException {
    try (Stream<Path> files = Files.walk(node.secrets().root())) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        if (new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains(marker)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean contains(Message message, String marker) {
    return message.toByteString().toString(StandardCharsets.ISO_8859_1).contains(marker);
  }

  private static List<MethodDescriptor<?, ?>> methods(io.grpc.ServiceDescriptor service) {
    return List.copyOf(service.getMethods());
  }

  private static void assertDenied(Runnable call) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
  }
}
