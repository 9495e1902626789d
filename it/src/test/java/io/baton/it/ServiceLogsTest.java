package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.DispatcherGrpc;
import io.baton.api.LogEntry;
import io.baton.api.PublishLogsMessage;
import io.baton.api.PublishLogsResponse;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceLogsRequest;
import io.baton.api.ServiceSpec;
import io.baton.api.TaskState;
import io.baton.node.BatonNode;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** service logs carries each task's output from its node; a node cannot publish another node's logs. */
@Timeout(120)
class ServiceLogsTest {
  private static TestCluster cluster;
  private static ControlGrpc.ControlBlockingStub control;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2);
    control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static String create(String name, int replicas, String constraint, String script) {
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName(name)
        .setReplicated(ReplicatedService.newBuilder().setReplicas(replicas));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sh", "-c", script));
    if (constraint != null) {
      spec.getTaskBuilder().getPlacementBuilder().addConstraints(constraint);
    }
    String id = control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build()).getService().getId();
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.store().view().tasksOfService(id).stream()
        .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING).count() == replicas);
    return id;
  }

  @Test
  void oneShotLogsCollectEveryTasksOutput() {
    create("chatty", 3, null, "echo ready-$BATON_TASK_SLOT; echo oops-$BATON_TASK_SLOT >&2; sleep 300");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      List<String> lines = new ArrayList<>();
      control.serviceLogs(ServiceLogsRequest.newBuilder().setService("chatty").build())
          .forEachRemaining(e -> lines.add(e.getSlot() + ":" + e.getText()));
      assertThat(lines).contains("1:ready-1", "2:ready-2", "3:ready-3", "1:oops-1");
    });
  }

  @Test
  void aWorkerCannotPublishLogsOfAnotherNodesTask() throws Exception {
    BatonNode victim = cluster.workers().get(0);
    BatonNode attacker = cluster.workers().get(1);
    String serviceId = create("private", 1, "node.id==" + victim.identity().nodeId(), "echo genuine; sleep 300");
    String victimTask = cluster.store().view().tasksOfService(serviceId).get(0).getId();

    List<LogEntry> received = new CopyOnWriteArrayList<>();
    var follow = ControlGrpc.newStub(cluster.channelAs(cluster.manager().credentials()));
    follow.serviceLogs(ServiceLogsRequest.newBuilder().setService("private").setFollow(true).build(),
        new StreamObserver<>() {
          @Override
          public void onNext(LogEntry value) {
            received.add(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    await().atMost(Duration.ofSeconds(10)).until(() -> received.stream().anyMatch(e -> e.getText().equals("genuine")));
    String subscription = cluster.manager().manager().logs().forNode(victim.identity().nodeId()).get(0).getId();

    CompletableFuture<Status> outcome = new CompletableFuture<>();
    StreamObserver<PublishLogsMessage> forged = DispatcherGrpc.newStub(cluster.channelAs(attacker.credentials()))
        .publishLogs(new StreamObserver<PublishLogsResponse>() {
          @Override
          public void onNext(PublishLogsResponse value) {}

          @Override
          public void onError(Throwable t) {
            outcome.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            outcome.complete(Status.OK);
          }
        });
    forged.onNext(PublishLogsMessage.newBuilder().setSubscriptionId(subscription)
        .addEntries(LogEntry.newBuilder().setTaskId(victimTask).setText("forged by the attacker")).build());
    forged.onCompleted();

    assertThat(outcome.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
        .until(() -> received.stream().noneMatch(e -> e.getText().contains("forged")));
  }
}
