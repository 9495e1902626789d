package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.baton.agent.exec.docker.DockerExecutor;
import io.baton.agent.exec.docker.DockerExecutorConfig;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.RemoveServiceRequest;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceInfo;
import io.baton.api.ServiceLogsRequest;
import io.baton.api.ServiceSpec;
import io.baton.api.TaskState;
import io.baton.node.BatonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Services on real containers: an in-process cluster (1 manager + 1 worker) whose nodes use the
 * docker executor against this machine's dockerd. Skips, saying why, when no dockerd answers.
 */
@Timeout(180)
class DockerServiceTest {
  private static final String LABEL_SERVICE = "io.baton.service.id";
  private static final String LABEL_NODE = "io.baton.node.id";

  private static DockerClient docker;
  private static TestCluster cluster;
  private static ControlGrpc.ControlBlockingStub control;

  @BeforeAll
  static void startCluster() throws Exception {
    Optional<String> problem = DockerExecutor.probe(DockerExecutorConfig.DEFAULT_HOST);
    assumeTrue(problem.isEmpty(), () -> "no dockerd at " + DockerExecutorConfig.DEFAULT_HOST + ": " + problem.orElse(""));
    docker = DockerClientImpl.getInstance(
        DefaultDockerClientConfig.createDefaultConfigBuilder()
            .withDockerHost(DockerExecutorConfig.DEFAULT_HOST.toString()).build(),
        new ZerodepDockerHttpClient.Builder().dockerHost(DockerExecutorConfig.DEFAULT_HOST).build());
    try {
      docker.inspectImageCmd("busybox:latest").exec();
    } catch (NotFoundException e) {
      assumeTrue(false, "busybox:latest is not present in the local dockerd");
    }
    cluster = TestCluster.start(1, Duration.ofMillis(500), Duration.ofHours(24), "docker");
    control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
  }

  @AfterAll
  static void stopCluster() throws IOException {
    List<String> nodeIds = List.of();
    if (cluster != null) {
      nodeIds = List.of(cluster.manager().identity().nodeId(), cluster.workers().get(0).identity().nodeId());
      cluster.close();
    }
    if (docker != null) {
      for (String node : nodeIds) {
        for (Container left : containers(LABEL_NODE, node)) {
          docker.removeContainerCmd(left.getId()).withForce(true).exec();
        }
      }
      docker.close();
    }
  }

  /** What dockerd holds of a container's output, both streams. */
  private static String dockerLogs(String containerId) throws InterruptedException {
    StringBuilder text = new StringBuilder();
    docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withFollowStream(false)
        .exec(new ResultCallback.Adapter<Frame>() {
          @Override
          public void onNext(Frame frame) {
            synchronized (text) {
              text.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
          }
        }).awaitCompletion(10, TimeUnit.SECONDS);
    synchronized (text) {
      return text.toString();
    }
  }

  private static List<Container> containers(String label, String value) {
    return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(label, value)).exec();
  }

  /**
   * {@code service logs} of containers: the agent opens a container's log stream only when its
   * logs are first asked for, and still gets the output from its first line.
   */
  @Test
  void serviceLogsReturnEveryContainersOutputFromItsFirstLine() {
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("talkers")
        .setReplicated(ReplicatedService.newBuilder().setReplicas(2));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox")
        .addAllCommand(List.of("sh", "-c", "echo first-$BATON_TASK_SLOT; echo err-$BATON_TASK_SLOT >&2; sleep 600"))
        .setStopGracePeriodMs(1_000);
    String serviceId = control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build())
        .getService().getId();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
        cluster.store().view().tasksOfService(serviceId).stream()
            .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING).count() == 2);

    // Once dockerd holds both containers' output, the very first request returns it.
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      for (Container c : containers(LABEL_SERVICE, serviceId)) {
        if (!dockerLogs(c.getId()).contains("err-")) {
          return false;
        }
      }
      return true;
    });
    List<String> lines = new ArrayList<>();
    control.serviceLogs(ServiceLogsRequest.newBuilder().setService("talkers").build())
        .forEachRemaining(e -> lines.add(e.getSlot() + ":" + e.getText()));
    assertThat(lines).contains("1:first-1", "2:first-2", "1:err-1", "2:err-2");

    control.removeService(RemoveServiceRequest.newBuilder().setService("talkers").build());
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> containers(LABEL_SERVICE, serviceId).isEmpty());
  }

  @Test
  void threeReplicasRunAsContainersAndServiceRmRemovesThem() {
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("sleepers")
        .setReplicated(ReplicatedService.newBuilder().setReplicas(3));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "600"))
        .setStopGracePeriodMs(1_000);
    ServiceInfo created = control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build());
    String serviceId = created.getService().getId();

    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
        cluster.store().view().tasksOfService(serviceId).stream()
            .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING).count() == 3);
    List<Container> running = containers(LABEL_SERVICE, serviceId);
    assertThat(running).hasSize(3).allSatisfy(c -> {
      assertThat(c.getState()).isEqualTo("running");
      assertThat(c.getImage()).isEqualTo("busybox");
      assertThat(c.getNames()[0]).startsWith("/baton-sleepers-");
    });

    control.removeService(RemoveServiceRequest.newBuilder().setService("sleepers").build());

    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> containers(LABEL_SERVICE, serviceId).isEmpty());
  }
}
