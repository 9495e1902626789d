package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baton.api.Availability;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.GlobalService;
import io.baton.api.ReplicatedService;
import io.baton.api.RestartCondition;
import io.baton.api.ServiceInfo;
import io.baton.api.ServiceSpec;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.UpdateNodeRequest;
import io.baton.api.UpdateServiceRequest;
import io.baton.node.BatonNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Services on the in-process cluster (1 manager + 3 workers) with the process executor. */
@Timeout(180)
class ServiceTest {
  private static TestCluster cluster;
  private static ControlGrpc.ControlBlockingStub control;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(3);
    control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  private static ServiceSpec.Builder spec(String name, long replicas, String... command) {
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName(name)
        .setReplicated(ReplicatedService.newBuilder().setReplicas(replicas));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of(command))
        .setStopGracePeriodMs(2_000);
    return spec;
  }

  private static ServiceInfo create(ServiceSpec.Builder spec) {
    return control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build());
  }

  private static List<Task> tasks(String service) {
    return cluster.store().view().tasksOfService(
        cluster.store().view().services().stream().filter(s -> s.getSpec().getName().equals(service))
            .findFirst().orElseThrow().getId());
  }

  private static List<Task> running(String service) {
    return tasks(service).stream()
        .filter(t -> t.getDesiredState() == TaskState.TASK_STATE_RUNNING)
        .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING)
        .toList();
  }

  private static void awaitRunning(String service, int count) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> running(service).size() == count && tasks(service).stream()
            .filter(t -> t.getDesiredState() == TaskState.TASK_STATE_RUNNING).count() == count);
  }

  private static void update(String service, Consumer<ServiceSpec.Builder> change) {
    var current = control.getService(io.baton.api.GetServiceRequest.newBuilder().setService(service).build());
    ServiceSpec.Builder next = current.getService().getSpec().toBuilder();
    change.accept(next);
    control.updateService(UpdateServiceRequest.newBuilder().setService(service).setSpec(next)
        .setSpecVersion(current.getService().getSpecVersion()).build());
  }

  @Test
  void replicatedServiceConvergesSpreadsAndScales() {
    create(spec("spread", 6, "sleep", "300"));
    awaitRunning("spread", 6);
    Map<String, Long> perNode = running("spread").stream()
        .collect(Collectors.groupingBy(Task::getNodeId, Collectors.counting()));
    assertThat(perNode).hasSize(4).allSatisfy((node, count) -> assertThat(count).isBetween(1L, 2L));
    Set<String> before = running("spread").stream().map(Task::getId).collect(Collectors.toSet());

    update("spread", s -> s.setReplicated(ReplicatedService.newBuilder().setReplicas(8)));
    awaitRunning("spread", 8);
    assertThat(running("spread").stream().map(Task::getId)).containsAll(before);

    update("spread", s -> s.setReplicated(ReplicatedService.newBuilder().setReplicas(2)));
    awaitRunning("spread", 2);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(tasks("spread"))
        .filteredOn(t -> t.getSlot() > 2)
        .allSatisfy(t -> assertThat(t.getStatus().getState()).as(t.toString()).isEqualTo(TaskState.TASK_STATE_SHUTDOWN)));
  }

  @Test
  void constraintsAreRespectedAndUnsatisfiableOnesStayPendingWithAReason() {
    String worker = cluster.workers().get(1).identity().nodeId();
    control.updateNode(UpdateNodeRequest.newBuilder().setNode(worker).putLabelAdd("zone", "pci").build());
    var pinned = spec("pinned", 3, "sleep", "300");
    pinned.getTaskBuilder().getPlacementBuilder().addConstraints("node.labels.zone==pci");
    create(pinned);
    awaitRunning("pinned", 3);
    assertThat(running("pinned")).allSatisfy(t -> assertThat(t.getNodeId()).isEqualTo(worker));

    var impossible = spec("impossible", 1, "sleep", "300");
    impossible.getTaskBuilder().getPlacementBuilder().addConstraints("node.labels.zone==nowhere");
    create(impossible);
    await().atMost(Duration.ofSeconds(30)).until(() -> tasks("impossible").stream()
        .anyMatch(t -> t.getStatus().getMessage().contains("constraints not satisfied")));
    assertThat(tasks("impossible")).allSatisfy(t -> {
      assertThat(t.getStatus().getState()).isEqualTo(TaskState.TASK_STATE_PENDING);
      assertThat(t.getNodeId()).isEmpty();
    });
  }

  @Test
  void reservationsPreventOvercommit() {
    var big = spec("big", 10, "sleep", "300");
    long perNode = Runtime.getRuntime().availableProcessors() * 1_000_000_000L;
    big.getTaskBuilder().getReservationsBuilder().setNanoCpus(perNode);
    create(big);
    await().atMost(Duration.ofSeconds(30)).until(() -> running("big").size() == 4
        && tasks("big").stream().anyMatch(t -> t.getStatus().getMessage().contains("insufficient resources")));
    assertThat(running("big").stream().map(Task::getNodeId).distinct()).hasSize(4);
  }

  @Test
  void restartPolicyRestartsFailedTasksAndNoneLeavesThemDown() {
    var failing = spec("failing", 1, "sh", "-c", "exit 3");
    failing.getTaskBuilder().getRestartBuilder().setCondition(RestartCondition.RESTART_CONDITION_ON_FAILURE)
        .setDelayMs(100).setMaxAttempts(2);
    create(failing);
    await().atMost(Duration.ofSeconds(30)).until(() -> tasks("failing").stream()
        .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_FAILED).count() == 3);
    assertThat(tasks("failing")).allSatisfy(t -> assertThat(t.getStatus().getExitCode()).isEqualTo(3));

    var once = spec("once", 1, "sh", "-c", "exit 1");
    once.getTaskBuilder().getRestartBuilder().setCondition(RestartCondition.RESTART_CONDITION_NONE);
    create(once);
    await().atMost(Duration.ofSeconds(30)).until(() -> tasks("once").stream()
        .anyMatch(t -> t.getStatus().getState() == TaskState.TASK_STATE_FAILED));
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> tasks("once").size() == 1);
  }

  @Test
  void globalServiceRunsOnEveryNodeIncludingOneThatJoinsLater() throws Exception {
    var global = ServiceSpec.newBuilder().setName("everywhere").setGlobal(GlobalService.getDefaultInstance());
    global.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "300"));
    create(global);
    awaitRunning("everywhere", 4);
    BatonNode late = cluster.addWorker();
    awaitRunning("everywhere", 5);
    assertThat(running("everywhere").stream().map(Task::getNodeId)).contains(late.identity().nodeId());
    cluster.stop(late);
  }

  @Test
  void drainMovesEveryTaskOff() {
    create(spec("movable", 4, "sleep", "300"));
    awaitRunning("movable", 4);
    String drained = cluster.workers().get(0).identity().nodeId();
    control.updateNode(UpdateNodeRequest.newBuilder().setNode(drained)
        .setAvailability(Availability.AVAILABILITY_DRAIN).build());
    await().atMost(Duration.ofSeconds(30)).until(() -> running("movable").size() == 4
        && running("movable").stream().noneMatch(t -> t.getNodeId().equals(drained)));
    await().atMost(Duration.ofSeconds(30)).until(() -> tasks("movable").stream()
        .filter(t -> t.getNodeId().equals(drained))
        .allMatch(t -> t.getStatus().getState() == TaskState.TASK_STATE_SHUTDOWN));
    control.updateNode(UpdateNodeRequest.newBuilder().setNode(drained)
        .setAvailability(Availability.AVAILABILITY_ACTIVE).build());
  }

  @Test
  void rollingUpdateReplacesEveryTaskAndAFailingUpdateRollsBack() {
    var svc = spec("rolling", 4, "sleep", "300");
    svc.getUpdateBuilder().setParallelism(2).setMonitorMs(2_000);
    create(svc);
    awaitRunning("rolling", 4);
    update("rolling", s -> s.getTaskBuilder().getContainerBuilder().addEnv("VERSION=2"));
    await().atMost(Duration.ofSeconds(60)).until(() -> running("rolling").size() == 4
        && running("rolling").stream().allMatch(t -> t.getSpec().getContainer().getEnvList().contains("VERSION=2")));

    update("rolling", s -> {
      s.getTaskBuilder().getContainerBuilder().clearCommand().addAllCommand(List.of("sh", "-c", "exit 7"));
      s.getUpdateBuilder().setFailureAction(io.baton.api.FailureAction.FAILURE_ACTION_ROLLBACK);
    });
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      var service = control.getService(io.baton.api.GetServiceRequest.newBuilder().setService("rolling").build());
      return service.getService().getUpdateStatus().getState() == io.baton.api.UpdateState.UPDATE_STATE_ROLLBACK_COMPLETED;
    });
    awaitRunning("rolling", 4);
    assertThat(running("rolling")).allSatisfy(t -> assertThat(t.getSpec().getContainer().getCommandList())
        .containsExactly("sleep", "300"));
  }

  @Test
  void badInputIsRefusedAndChangesNothing() {
    int before = cluster.store().view().services().size();
    for (ServiceSpec.Builder bad : List.of(
        spec("bad name!", 1, "sleep", "1"),
        spec("noimage", 1, "sleep", "1").setTask(spec("x", 1).getTask().toBuilder()
            .setContainer(io.baton.api.ContainerSpec.newBuilder())),
        withConstraint(spec("badconstraint", 1, "sleep", "1"), "node.labels.zone=a"),
        withConstraint(spec("badkey", 1, "sleep", "1"), "node.color==blue"),
        spec("badenv", 1, "sleep", "1").setTask(spec("x", 1, "sleep", "1").getTask().toBuilder()
            .setContainer(spec("x", 1, "sleep", "1").getTask().getContainer().toBuilder().addEnv("=x"))))) {
      assertThatThrownBy(() -> create(bad)).as(bad.getName())
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    assertThatThrownBy(() -> control.getService(io.baton.api.GetServiceRequest.newBuilder().setService("nope").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(cluster.store().view().services()).hasSize(before);
  }

  private static ServiceSpec.Builder withConstraint(ServiceSpec.Builder spec, String constraint) {
    spec.getTaskBuilder().getPlacementBuilder().addConstraints(constraint);
    return spec;
  }
}
