package io.baton.agent.exec.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.agent.exec.LogLine;
import io.baton.agent.exec.TaskManager;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's {@link TaskManager} driving real containers: statuses as the manager sees them, a
 * failed task replaced by a new one as the manager's restart policy does, removal when unassigned.
 */
class DockerTaskManagerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path tmp;

  private final Map<String, TaskStatus> last = new ConcurrentHashMap<>();
  private Dockerd dockerd;
  private DockerExecutor executor;
  private TaskManager tasks;

  @BeforeEach
  void setUp() {
    dockerd = Dockerd.require();
    executor = new DockerExecutor(Clock.systemUTC(), dockerd.config());
    tasks = new TaskManager(executor, tmp.resolve("tasks"), last::put, Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    if (tasks != null) {
      tasks.close();
    }
    if (executor != null) {
      executor.close();
    }
    if (dockerd != null) {
      dockerd.close();
    }
  }

  private Optional<TaskState> state(String taskId) {
    return Optional.ofNullable(last.get(taskId)).map(TaskStatus::getState);
  }

  @Test
  void aFailedTaskIsReportedAndItsReplacementRunsUntilUnassigned() {
    Task failing = dockerd.task("t-fail", "sh", "-c", "echo starting; exit 7");
    tasks.reconcile(List.of(failing));

    await().atMost(TIMEOUT).until(() -> state("t-fail").equals(Optional.of(TaskState.TASK_STATE_FAILED)));
    assertThat(last.get("t-fail").getExitCode()).isEqualTo(7);
    assertThat(last.get("t-fail").getError()).contains("task exited with code 7");
    assertThat(tasks.logs("t-fail").orElseThrow().snapshot())
        .extracting(LogLine::text)
        .contains("starting");

    // The manager restarts a failed task by assigning a new one in its slot.
    Task replacement = TaskManagerTasks.withGrace(dockerd.task("t-next", "sleep", "600"), 1000);
    tasks.reconcile(List.of(replacement));

    await().atMost(TIMEOUT).until(() -> state("t-next").equals(Optional.of(TaskState.TASK_STATE_RUNNING)));
    await().atMost(TIMEOUT).until(() -> dockerd.containersOf(dockerd.nodeId).size() == 1);
    assertThat(dockerd.containersOf(dockerd.nodeId).get(0).getLabels())
        .containsEntry(Labels.TASK_ID, "t-next");

    tasks.reconcile(List.of(TaskManagerTasks.shutdown(replacement)));
    await().atMost(TIMEOUT).until(() -> state("t-next").equals(Optional.of(TaskState.TASK_STATE_SHUTDOWN)));

    tasks.reconcile(List.of());
    await().atMost(TIMEOUT).until(() -> dockerd.containersOf(dockerd.nodeId).isEmpty());
  }

  @Test
  void aTaskWithAMissingImageIsRejectedWithTheReason() {
    Task task =
        dockerd.task(
            "t-noimage",
            io.baton.api.ContainerSpec.newBuilder().setImage("busybox:nope").addCommand("true"));
    tasks.reconcile(List.of(task));

    await().atMost(TIMEOUT).until(() -> state("t-noimage").equals(Optional.of(TaskState.TASK_STATE_REJECTED)));
    assertThat(last.get("t-noimage").getError())
        .startsWith("image busybox:nope not found locally and it could not be pulled: ");
  }

  /** Small edits of tasks, as the manager would send them. */
  private static final class TaskManagerTasks {
    static Task withGrace(Task task, long graceMs) {
      Task.Builder builder = task.toBuilder();
      builder.getSpecBuilder().getContainerBuilder().setStopGracePeriodMs(graceMs);
      return builder.build();
    }

    static Task shutdown(Task task) {
      return task.toBuilder().setDesiredState(TaskState.TASK_STATE_SHUTDOWN).build();
    }
  }
}
