package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.baton.api.Availability;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateSecretRequest;
import io.baton.api.CreateServiceRequest;
import io.baton.api.DispatcherGrpc;
import io.baton.api.HeartbeatRequest;
import io.baton.api.NodeDescription;
import io.baton.api.ReplicatedService;
import io.baton.api.SecretReference;
import io.baton.api.SecretSpec;
import io.baton.api.ServiceSpec;
import io.baton.api.SessionMessage;
import io.baton.api.SessionMessageKind;
import io.baton.api.SessionRequest;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import io.baton.api.TaskStatusUpdate;
import io.baton.api.UpdateNodeRequest;
import io.baton.api.UpdateTaskStatusRequest;
import io.baton.ca.Credentials;
import io.baton.node.BatonNode;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The session protocol on the in-process cluster (real TLS, real store): a node's stream is its
 * complete assignment set, then only changes; and a worker whose manager dies fails over to
 * another manager of the list the managers pushed, where its session starts complete again.
 */
@Timeout(240)
class SessionProtocolTest {

  /**
   * The test holds the session of a joined node whose agent it stopped, with the node's real
   * certificate, and reads the stream as the wire carries it.
   */
  @Test
  void aNodesStreamIsItsCompleteSetThenOnlyWhatChanged() throws Exception {
    try (TestCluster cluster = TestCluster.start(1)) {
      var control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
      BatonNode stopped = cluster.addWorker();
      String nodeId = stopped.identity().nodeId();
      Credentials credentials = stopped.credentials();
      cluster.stop(stopped);
      ManagedChannel channel = cluster.channelAs(credentials);
      BlockingQueue<SessionMessage> received = new LinkedBlockingQueue<>();
      ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
      try (Context.CancellableContext session = Context.current().withCancellation()) {
        session.run(() -> Thread.ofVirtual().start(() -> {
          Iterator<SessionMessage> stream = DispatcherGrpc.newBlockingStub(channel)
              .session(SessionRequest.newBuilder().setDescription(NodeDescription.newBuilder().setHostname("wire")).build());
          stream.forEachRemaining(received::add);
        }));
        SessionMessage first = next(received);
        assertThat(first.getKind()).isEqualTo(SessionMessageKind.SESSION_MESSAGE_KIND_COMPLETE);
        assertThat(first.getTasksList()).isEmpty();
        assertThat(first.getSecretsList()).isEmpty();
        assertThat(first.getManagersList()).extracting(m -> m.getAddr()).contains(cluster.managerAddress());
        assertThat(first.getHeartbeatPeriodMs()).isEqualTo(500);
        assertThat(first.getNode().getId()).isEqualTo(nodeId);
        String sessionId = first.getSessionId();
        var dispatcher = DispatcherGrpc.newBlockingStub(channel);
        heartbeats.scheduleAtFixedRate(() -> {
          try {
            dispatcher.withDeadlineAfter(5, TimeUnit.SECONDS)
                .heartbeat(HeartbeatRequest.newBuilder().setSessionId(sessionId).build());
          } catch (StatusRuntimeException e) {
            // The next beat tries again; a session that expired shows as a missing message below.
          }
        }, 0, 200, TimeUnit.MILLISECONDS);

        String marker = "baton-secret-" + UUID.randomUUID();
        String secretId = control.createSecret(CreateSecretRequest.newBuilder()
            .setSpec(SecretSpec.newBuilder().setName("wire-db"))
            .setData(ByteString.copyFromUtf8(marker)).build()).getId();
        ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("wire")
            .setReplicated(ReplicatedService.newBuilder().setReplicas(3));
        spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "300"))
            .addSecrets(SecretReference.newBuilder().setSecretName("wire-db"));
        spec.getTaskBuilder().getPlacementBuilder().addConstraints("node.id==" + nodeId);
        control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build());

        // The three tasks arrive as changes; the secret's value comes once, not once per task.
        List<SessionMessage> added = new ArrayList<>();
        Set<String> tasks = new HashSet<>();
        while (tasks.size() < 3) {
          SessionMessage message = next(received);
          added.add(message);
          message.getTasksList().forEach(t -> tasks.add(t.getId()));
        }
        assertThat(added).allSatisfy(m -> {
          assertThat(m.getKind()).isEqualTo(SessionMessageKind.SESSION_MESSAGE_KIND_INCREMENTAL);
          assertThat(m.getRemovedTaskIdsList()).isEmpty();
        });
        assertThat(added.stream().flatMap(m -> m.getSecretsList().stream()))
            .singleElement().satisfies(s -> {
              assertThat(s.getId()).isEqualTo(secretId);
              assertThat(s.getData().toString(StandardCharsets.UTF_8)).isEqualTo(marker);
            });

        // The node reports its own tasks running (accepted: they are its own, on its session); its
        // own reports are not echoed back: the next message is the drain that stops them.
        dispatcher.updateTaskStatus(statuses(sessionId, tasks, TaskState.TASK_STATE_RUNNING));
        await().atMost(Duration.ofSeconds(20)).until(() -> tasks.stream().allMatch(id ->
            cluster.store().view().task(id).orElseThrow().getStatus().getState() == TaskState.TASK_STATE_RUNNING));
        control.updateNode(UpdateNodeRequest.newBuilder().setNode(nodeId)
            .setAvailability(Availability.AVAILABILITY_DRAIN).build());
        Set<String> stopping = new HashSet<>();
        while (stopping.size() < 3) {
          SessionMessage message = next(received);
          assertThat(message.getKind()).isEqualTo(SessionMessageKind.SESSION_MESSAGE_KIND_INCREMENTAL);
          assertThat(message.getSecretsList()).isEmpty();
          assertThat(message.getTasksList()).allSatisfy(t ->
              assertThat(t.getDesiredState()).isEqualTo(TaskState.TASK_STATE_SHUTDOWN));
          message.getTasksList().forEach(t -> stopping.add(t.getId()));
        }
        assertThat(stopping).isEqualTo(tasks);

        // Once they ended, they are removed and the secret is withdrawn, without its value.
        dispatcher.updateTaskStatus(statuses(sessionId, tasks, TaskState.TASK_STATE_SHUTDOWN));
        Set<String> removed = new HashSet<>();
        List<String> withdrawn = new ArrayList<>();
        while (removed.size() < 3) {
          SessionMessage message = next(received);
          assertThat(message.getTasksList()).isEmpty();
          assertThat(message.getSecretsList()).isEmpty();
          assertThat(message.toByteString().toString(StandardCharsets.ISO_8859_1)).doesNotContain(marker);
          removed.addAll(message.getRemovedTaskIdsList());
          withdrawn.addAll(message.getRemovedSecretIdsList());
        }
        assertThat(removed).isEqualTo(tasks);
        assertThat(withdrawn).containsExactly(secretId);
        session.cancel(null);
      } finally {
        heartbeats.shutdownNow();
      }
    }
  }

  @Test
  void aWorkerFailsOverToAnotherPushedManagerAndKeepsItsTaskAndSecret() throws Exception {
    try (TestCluster cluster = TestCluster.start(1)) {
      cluster.addManager();
      cluster.addManager();
      BatonNode worker = cluster.workers().stream().filter(n -> n.manager() == null).findFirst().orElseThrow();
      String workerId = worker.identity().nodeId();
      var control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
      String marker = "baton-secret-" + UUID.randomUUID();
      String secretId = control.createSecret(CreateSecretRequest.newBuilder()
          .setSpec(SecretSpec.newBuilder().setName("failover-db"))
          .setData(ByteString.copyFromUtf8(marker)).build()).getId();
      ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("stays")
          .setReplicated(ReplicatedService.newBuilder().setReplicas(1));
      spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "300"))
          .addSecrets(SecretReference.newBuilder().setSecretName("failover-db"));
      spec.getTaskBuilder().getPlacementBuilder().addConstraints("node.id==" + workerId);
      String serviceId = control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build())
          .getService().getId();
      Task task = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> cluster.store().view().tasksOfService(serviceId).stream()
              .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING).findFirst(), Optional::isPresent)
          .orElseThrow();
      Path file = worker.secrets().root().resolve(task.getId()).resolve("failover-db");
      assertThat(Files.readString(file)).isEqualTo(marker);
      // The worker learnt all three managers from its session, and loses the one it is with.
      String before = worker.agent().currentManager();
      BatonNode lost = cluster.managers().stream().filter(m -> TestCluster.apiAddress(m).equals(before))
          .findFirst().orElseThrow();
      String oldSession = worker.agent().sessionId().orElseThrow();
      cluster.stop(lost);
      BatonNode leader = cluster.leader();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> leader.manager().dispatcher().connectedNodes().contains(workerId)
              && worker.agent().sessionId().filter(s -> !s.equals(oldSession)).isPresent());
      assertThat(worker.agent().currentManager()).isNotEqualTo(before)
          .isIn(cluster.managers().stream().map(TestCluster::apiAddress).toList());
      // The new session began with the complete set: the node still holds its task and secret, and
      // the task kept running through the failover.
      await().atMost(Duration.ofSeconds(30)).until(() -> worker.agent().heldTaskIds().contains(task.getId()));
      assertThat(worker.agent().heldSecretIds()).containsExactly(secretId);
      assertThat(leader.manager().store().view().task(task.getId()).orElseThrow().getStatus().getState())
          .isEqualTo(TaskState.TASK_STATE_RUNNING);
      assertThat(Files.readString(file)).isEqualTo(marker);
    }
  }

  private static UpdateTaskStatusRequest statuses(String sessionId, Set<String> taskIds, TaskState state) {
    UpdateTaskStatusRequest.Builder request = UpdateTaskStatusRequest.newBuilder().setSessionId(sessionId);
    taskIds.forEach(id -> request.addUpdates(TaskStatusUpdate.newBuilder().setTaskId(id)
        .setStatus(TaskStatus.newBuilder().setState(state))));
    return request.build();
  }

  private static SessionMessage next(BlockingQueue<SessionMessage> received) throws InterruptedException {
    SessionMessage message = received.poll(30, TimeUnit.SECONDS);
    assertThat(message).as("a session message within 30 s").isNotNull();
    return message;
  }
}
