package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Message;
import io.baton.api.Availability;
import io.baton.api.ContainerSpec;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.DispatcherGrpc;
import io.baton.api.GetServiceRequest;
import io.baton.api.ListServicesRequest;
import io.baton.api.ListTasksRequest;
import io.baton.api.NodeDescription;
import io.baton.api.RegistryPullAuth;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceInfo;
import io.baton.api.ServiceSpec;
import io.baton.api.SessionMessage;
import io.baton.api.SessionRequest;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import io.baton.api.TaskState;
import io.baton.api.UpdateNodeRequest;
import io.baton.api.UpdateServiceRequest;
import io.baton.node.BatonNode;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Registry logins of services (1 manager, 2 workers; real TLS, real store, process executor, which
 * records the image and pulls nothing): the login reaches only the node assigned the task, no
 * control API answer ever shows it, and no file of any node's state dir holds it.
 */
@Timeout(180)
class RegistryAuthTest {
  private static TestCluster cluster;
  private static ControlGrpc.ControlBlockingStub control;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(2);
    control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
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
  void theLoginGoesOnlyToTheAssignedNodeAndIsNeverShown() throws Exception {
    String password = "pw-" + UUID.randomUUID();
    String user = "user-" + UUID.randomUUID();
    BatonNode assigned = cluster.workers().get(0);
    BatonNode other = cluster.workers().get(1);
    ServiceInfo created = control.createService(CreateServiceRequest.newBuilder().setSpec(spec("pulled",
        "node.id==" + assigned.identity().nodeId(),
        RegistryPullAuth.newBuilder().setServer("registry.example.com").setUsername(user).setPassword(password)))
        .build());
    String serviceId = created.getService().getId();
    Task task = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> runningTask(serviceId), t -> t != null);

    // Stored (encrypted) with the service and its task: the worker needs it for the pull.
    assertThat(cluster.store().view().task(task.getId()).orElseThrow().getSpec().getContainer().getRegistryAuth()
        .getPassword()).isEqualTo(password);

    // No control API answer carries it; each keeps only the registry's address.
    ServiceInfo got = control.getService(GetServiceRequest.newBuilder().setService("pulled").build());
    for (Message answer : new Message[] {created, got,
        control.listServices(ListServicesRequest.getDefaultInstance()),
        control.listTasks(ListTasksRequest.newBuilder().setService("pulled").build()),
        control.listTasks(ListTasksRequest.getDefaultInstance())}) {
      assertThat(contains(answer, password)).as(answer.getClass().getSimpleName()).isFalse();
      assertThat(contains(answer, user)).as(answer.getClass().getSimpleName()).isFalse();
    }
    assertThat(got.getService().getSpec().getTask().getContainer().getRegistryAuth())
        .isEqualTo(RegistryPullAuth.newBuilder().setServer("registry.example.com").build());

    // The assigned node's own session carries it in its task; the other node's never.
    SessionMessage mine = firstSessionMessage(assigned);
    assertThat(mine.getTasksList()).filteredOn(t -> t.getId().equals(task.getId())).singleElement()
        .satisfies(t -> assertThat(t.getSpec().getContainer().getRegistryAuth().getPassword()).isEqualTo(password));
    SessionMessage theirs = firstSessionMessage(other);
    assertThat(contains(theirs, password)).isFalse();

    // An update that sends back the (redacted) spec it read keeps the login; it starts no new task.
    ServiceSpec.Builder read = got.getService().getSpec().toBuilder();
    read.putLabels("touched", "yes");
    ServiceInfo updated = control.updateService(UpdateServiceRequest.newBuilder().setService(serviceId)
        .setSpec(read).setSpecVersion(got.getService().getSpecVersion()).build());
    assertThat(contains(updated, password)).isFalse();
    assertThat(cluster.store().view().service(serviceId).orElseThrow().getSpec().getTask().getContainer()
        .getRegistryAuth().getPassword()).isEqualTo(password);
    assertThat(cluster.store().view().service(serviceId).orElseThrow().getTaskVersion())
        .isEqualTo(created.getService().getTaskVersion());

    // No node wrote it to disk: the Raft log and snapshots are encrypted, workers persist no task.
    StateDirScan.assertNoneContains(cluster.root(), password);
    StateDirScan.assertNoneContains(cluster.root(), user);
  }

  @Test
  void aLoginWithoutAPasswordOrTokenIsRefused() {
    assertThatThrownBy(() -> control.createService(CreateServiceRequest.newBuilder().setSpec(spec("nopw", "",
        RegistryPullAuth.newBuilder().setServer("registry.example.com").setUsername("bot"))).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("neither a password nor an identity token");
        });
  }

  private static ServiceSpec spec(String name, String constraint, RegistryPullAuth.Builder auth) {
    TaskSpec.Builder task = TaskSpec.newBuilder().setContainer(ContainerSpec.newBuilder()
        .setImage("registry.example.com/team/app:1").addCommand("sleep").addCommand("300").setRegistryAuth(auth));
    if (!constraint.isEmpty()) {
      task.getPlacementBuilder().addConstraints(constraint);
    }
    return ServiceSpec.newBuilder().setName(name).setTask(task)
        .setReplicated(ReplicatedService.newBuilder().setReplicas(1)).build();
  }

  private static Task runningTask(String serviceId) {
    return cluster.store().view().tasksOfService(serviceId).stream()
        .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING)
        .findFirst().orElse(null);
  }

  /** The first message of a session opened with the node's own certificate. */
  private static SessionMessage firstSessionMessage(BatonNode node) throws Exception {
    ManagedChannel channel = cluster.channelAs(node.credentials());
    try (Context.CancellableContext context = Context.current().withCancellation()) {
      return context.call(() -> {
        Iterator<SessionMessage> stream = DispatcherGrpc.newBlockingStub(channel)
            .session(SessionRequest.newBuilder()
                .setDescription(NodeDescription.newBuilder().setHostname("probe")).build());
        return stream.next();
      });
    }
  }

  private static boolean contains(Message message, String marker) {
    return message.toByteString().toString(StandardCharsets.ISO_8859_1).contains(marker);
  }
}
