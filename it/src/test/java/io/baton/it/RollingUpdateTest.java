package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.GetServiceRequest;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceSpec;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.UpdateOrder;
import io.baton.api.UpdateServiceRequest;
import io.baton.api.UpdateState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rolling updates keep to their parallelism and order, judged from the observed task timelines:
 * store snapshots sampled while the update runs, and the tasks' own timestamps.
 */
@Timeout(180)
class RollingUpdateTest {
  private static final int REPLICAS = 6;
  private static final int PARALLELISM = 2;
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

  @Test
  void stopFirstNeverHasMoreThanParallelismSlotsDownAndStartsNewTasksAfterOldOnesStopped() throws Exception {
    List<List<Task>> samples = rollOut("stopfirst", UpdateOrder.UPDATE_ORDER_STOP_FIRST);
    for (List<Task> sample : samples) {
      assertThat(runningLive(sample)).as("running tasks during a stop-first update").isGreaterThanOrEqualTo(REPLICAS - PARALLELISM);
    }
    List<Task> all = tasksOf("stopfirst");
    for (long slot = 1; slot <= REPLICAS; slot++) {
      Task old = version(all, slot, 1);
      Task fresh = version(all, slot, 2);
      long oldEnded = old.getStatus().getTimestampMs();
      assertThat(fresh.getMeta().getCreatedAtMs()).as("slot " + slot + ": new task created after the old stopped")
          .isGreaterThanOrEqualTo(oldEnded);
    }
  }

  @Test
  void startFirstNeverDropsBelowTheReplicaCountNorExceedsItByMoreThanParallelism() throws Exception {
    List<List<Task>> samples = rollOut("startfirst", UpdateOrder.UPDATE_ORDER_START_FIRST);
    for (List<Task> sample : samples) {
      assertThat(runningLive(sample)).as("running tasks during a start-first update").isGreaterThanOrEqualTo(REPLICAS);
      assertThat(liveCount(sample)).as("live tasks during a start-first update").isLessThanOrEqualTo(REPLICAS + PARALLELISM);
    }
    List<Task> all = tasksOf("startfirst");
    for (long slot = 1; slot <= REPLICAS; slot++) {
      Task old = version(all, slot, 1);
      Task fresh = version(all, slot, 2);
      long freshRunning = fresh.getHistoryList().stream().filter(s -> s.getState() == TaskState.TASK_STATE_RUNNING)
          .mapToLong(s -> s.getTimestampMs()).findFirst()
          .orElse(fresh.getStatus().getState() == TaskState.TASK_STATE_RUNNING ? fresh.getStatus().getTimestampMs() : Long.MAX_VALUE);
      assertThat(old.getStatus().getTimestampMs()).as("slot " + slot + ": old task stopped after the new one ran")
          .isGreaterThanOrEqualTo(freshRunning);
    }
  }

  private static List<List<Task>> rollOut(String name, UpdateOrder order) throws Exception {
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName(name)
        .setReplicated(ReplicatedService.newBuilder().setReplicas(REPLICAS));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "300"))
        .setStopGracePeriodMs(2_000);
    spec.getUpdateBuilder().setParallelism(PARALLELISM).setOrder(order).setMonitorMs(500);
    var created = control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build());
    await().atMost(Duration.ofSeconds(60)).until(() -> runningLive(tasksOf(name)) == REPLICAS);

    List<List<Task>> samples = new ArrayList<>();
    AtomicBoolean done = new AtomicBoolean();
    Thread sampler = Thread.ofVirtual().start(() -> {
      while (!done.get()) {
        samples.add(tasksOf(name));
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    ServiceSpec.Builder next = created.getService().getSpec().toBuilder();
    next.getTaskBuilder().getContainerBuilder().addEnv("VERSION=2");
    control.updateService(UpdateServiceRequest.newBuilder().setService(name).setSpec(next)
        .setSpecVersion(created.getService().getSpecVersion()).build());
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() ->
        control.getService(GetServiceRequest.newBuilder().setService(name).build()).getService().getUpdateStatus()
            .getState() == UpdateState.UPDATE_STATE_COMPLETED);
    done.set(true);
    sampler.join();
    assertThat(samples).hasSizeGreaterThan(5);
    assertThat(tasksOf(name).stream().filter(t -> t.getSpecVersion() == 2 && isRunningLive(t))).hasSize(REPLICAS);
    return samples;
  }

  private static List<Task> tasksOf(String name) {
    var view = cluster.store().view();
    return view.services().stream().filter(s -> s.getSpec().getName().equals(name)).findFirst()
        .map(s -> view.tasksOfService(s.getId())).orElse(List.of());
  }

  private static Task version(List<Task> tasks, long slot, long version) {
    return tasks.stream().filter(t -> t.getSlot() == slot && t.getSpecVersion() == version)
        .max(java.util.Comparator.comparingLong(t -> t.getMeta().getCreatedAtMs())).orElseThrow();
  }

  private static boolean isRunningLive(Task t) {
    return t.getDesiredState() == TaskState.TASK_STATE_RUNNING && t.getStatus().getState() == TaskState.TASK_STATE_RUNNING;
  }

  private static long runningLive(List<Task> tasks) {
    return tasks.stream().filter(RollingUpdateTest::isRunningLive).count();
  }

  private static long liveCount(List<Task> tasks) {
    return tasks.stream().filter(t -> t.getStatus().getState().getNumber() < TaskState.TASK_STATE_COMPLETE_VALUE
        && t.getStatus().getState().getNumber() >= TaskState.TASK_STATE_ASSIGNED_VALUE).count();
  }
}
