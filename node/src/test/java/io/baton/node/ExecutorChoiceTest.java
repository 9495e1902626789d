package io.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.agent.exec.Executor;
import io.baton.agent.exec.docker.DockerExecutor;
import io.baton.agent.exec.docker.DockerExecutorConfig;
import java.net.URI;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** Which executor a node opens for {@code --executor docker|process|auto}. */
class ExecutorChoiceTest {
  @Test
  void dockerHostIsAUnixSocketAndNeverTcp() {
    assertThat(ExecutorChoice.dockerHost(null)).isEqualTo(DockerExecutorConfig.DEFAULT_HOST);
    assertThat(ExecutorChoice.dockerHost("tcp://10.0.0.1:2375")).isEqualTo(DockerExecutorConfig.DEFAULT_HOST);
    assertThat(ExecutorChoice.dockerHost("unix:///run/user/1000/docker.sock"))
        .isEqualTo(URI.create("unix:///run/user/1000/docker.sock"));
  }

  @Test
  void processAndDockerAreOpenedAsChosen() {
    try (Executor process = ExecutorChoice.open("process", "node1", Clock.systemUTC());
        Executor docker = ExecutorChoice.open("docker", "node1", Clock.systemUTC())) {
      assertThat(process.name()).isEqualTo("process");
      assertThat(docker.name()).isEqualTo("docker");
    }
  }

  @Test
  void autoPicksDockerExactlyWhenDockerdAnswers() {
    boolean dockerd = DockerExecutor.probe(ExecutorChoice.dockerHost(System.getenv("DOCKER_HOST"))).isEmpty();
    try (Executor auto = ExecutorChoice.open(null, "node1", Clock.systemUTC())) {
      assertThat(auto.name()).isEqualTo(dockerd ? "docker" : "process");
    }
  }
}
