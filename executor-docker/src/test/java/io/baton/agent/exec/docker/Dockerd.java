package io.baton.agent.exec.docker;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.baton.api.ContainerSpec;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The real dockerd these tests run against, and a client of its own to look at (and clean up) what
 * the executor did. Tests skip, saying why, when no dockerd answers or busybox is missing.
 */
final class Dockerd implements AutoCloseable {
  static final String IMAGE = "busybox:latest";

  final DockerClient client;
  /** A node id of its own per test, so tests never see each other's containers. */
  final String nodeId = "test-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

  private Dockerd(DockerClient client) {
    this.client = client;
  }

  /** Skips the calling test unless dockerd answers and has {@link #IMAGE}. */
  static Dockerd require() {
    Optional<String> problem = DockerExecutor.probe(DockerExecutorConfig.DEFAULT_HOST);
    assumeTrue(
        problem.isEmpty(),
        () -> "no dockerd at " + DockerExecutorConfig.DEFAULT_HOST + ": " + problem.orElse(""));
    DockerClient client =
        DockerClientImpl.getInstance(
            DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(DockerExecutorConfig.DEFAULT_HOST.toString())
                .build(),
            new ZerodepDockerHttpClient.Builder().dockerHost(DockerExecutorConfig.DEFAULT_HOST).build());
    Dockerd dockerd = new Dockerd(client);
    try {
      client.inspectImageCmd(IMAGE).exec();
    } catch (NotFoundException e) {
      dockerd.close();
      assumeTrue(false, IMAGE + " is not present in the local dockerd");
    }
    return dockerd;
  }

  DockerExecutorConfig config() {
    return DockerExecutorConfig.defaults(nodeId);
  }

  /** Containers labelled with {@code node}, running or not. */
  List<Container> containersOf(String node) {
    return client
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(Labels.NODE_ID, node))
        .exec();
  }

  /** A task of service "web", slot 1, on this test's node, running {@code command} on busybox. */
  Task task(String id, String... command) {
    return task(id, ContainerSpec.newBuilder().setImage(IMAGE).addAllCommand(List.of(command)));
  }

  Task task(String id, ContainerSpec.Builder container) {
    return Task.newBuilder()
        .setId(id)
        .setServiceId("svc1")
        .setServiceName("web")
        .setSlot(1)
        .setNodeId(nodeId)
        .setSpec(TaskSpec.newBuilder().setContainer(container))
        .setDesiredState(TaskState.TASK_STATE_RUNNING)
        .setStatus(TaskStatus.newBuilder().setState(TaskState.TASK_STATE_ASSIGNED))
        .build();
  }

  /** Removes every container of this test's node, whatever the test did. */
  @Override
  public void close() {
    try {
      for (Container container : containersOf(nodeId)) {
        try {
          client.removeContainerCmd(container.getId()).withForce(true).exec();
        } catch (NotFoundException e) {
          // gone already
        }
      }
    } finally {
      try {
        client.close();
      } catch (IOException e) {
        // nothing left to release
      }
    }
  }
}
