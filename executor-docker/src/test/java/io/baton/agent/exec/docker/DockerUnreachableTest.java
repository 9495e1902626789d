package io.baton.agent.exec.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.agent.exec.ExecutorException;
import io.baton.agent.exec.TaskContext;
import io.baton.api.ContainerSpec;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;

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
  void onlyUnixSocketsAreAccepted() {
    assertThatThrownBy(
            () -> DockerExecutorConfig.defaults("node1").withDockerHost(URI.create("tcp://10.0.0.1:2375")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unix://");
  }
}
