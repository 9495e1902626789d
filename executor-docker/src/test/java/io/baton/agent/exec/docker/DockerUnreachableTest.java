package io.baton.agent.exec.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baton.agent.exec.ExecutorException;
import io.baton.agent.exec.TaskContext;
import io.baton.agent.exec.TaskManager;
import io.baton.api.ContainerSpec;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without a dockerd behind the socket the executor starts, and refuses tasks with the reason. */
class DockerUnreachableTest {
  private static final URI MISSING = URI.create("unix:///nonexistent/docker.sock");

  @Test
  void aMissingSocketRejectsTasksWithOneClearReason() {
    DockerExecutorConfig config = DockerExecutorConfig.defaults("node1").withDockerHost(MISSING);
    Task task =
        Task.newBuilder()
            .setId("t1")
            .setSpec(
                TaskSpec.newBuilder()
                    .setContainer(ContainerSpec.newBuilder().setImage("busybox").addCommand("true")))
            .build();

    try (DockerExecutor executor = new DockerExecutor(Clock.systemUTC(), config)) {
      assertThat(DockerExecutor.probe(MISSING)).isPresent();
      assertThatThrownBy(() -> executor.create(task, TaskContext.of(Path.of("/tmp/t1"))))
          .isInstanceOf(ExecutorException.class)
          .hasMessageStartingWith("dockerd is not reachable at unix:///nonexistent/docker.sock: ")
          .message()
          .doesNotContain("\n");
      executor.reclaimLeftovers(Path.of("/tmp"));
    }
  }

  @Test
  void theAgentKeepsServingAndRejectsEachTaskWithTheReason(@TempDir Path tmp) {
    DockerExecutorConfig config = DockerExecutorConfig.defaults("node1").withDockerHost(MISSING);
    Map<String, TaskStatus> statuses = new ConcurrentHashMap<>();
    try (DockerExecutor executor = new DockerExecutor(Clock.systemUTC(), config);
        TaskManager tasks = new TaskManager(executor, tmp, statuses::put, Clock.systemUTC())) {
      tasks.reconcile(List.of(task("t1")));
      await().atMost(Duration.ofSeconds(20)).until(() -> rejected(statuses.get("t1")));
      // Still serving: the next assignment is taken and answered the same way.
      tasks.reconcile(List.of(task("t1"), task("t2")));
      await().atMost(Duration.ofSeconds(20)).until(() -> rejected(statuses.get("t2")));
      for (TaskStatus status : statuses.values()) {
        assertThat(status.getError())
            .startsWith("dockerd is not reachable at unix:///nonexistent/docker.sock: ")
            .doesNotContain("\n");
      }
    }
  }

  private static boolean rejected(TaskStatus status) {
    return status != null && status.getState() == TaskState.TASK_STATE_REJECTED;
  }

  private static Task task(String id) {
    return Task.newBuilder()
        .setId(id)
        .setServiceId("svc")
        .setServiceName("web")
        .setSlot(1)
        .setSpec(TaskSpec.newBuilder().setContainer(ContainerSpec.newBuilder().setImage("busybox").addCommand("true")))
        .setDesiredState(TaskState.TASK_STATE_RUNNING)
        .setStatus(TaskStatus.newBuilder().setState(TaskState.TASK_STATE_ASSIGNED))
        .build();
  }

  @Test
  void onlyUnixSocketsAreAccepted() {
    assertThatThrownBy(
            () -> DockerExecutorConfig.defaults("node1").withDockerHost(URI.create("tcp://10.0.0.1:2375")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unix://");
  }
}
