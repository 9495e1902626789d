package io.baton.agent.exec.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import io.baton.agent.exec.ExecutorException;
import io.baton.agent.exec.ExitStatus;
import io.baton.agent.exec.LogLine;
import io.baton.agent.exec.TaskContext;
import io.baton.agent.exec.TaskRunner;
import io.baton.api.ContainerSpec;
import io.baton.api.Resources;
import io.baton.api.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The docker executor against the real dockerd of this machine and busybox. */
class DockerExecutorTest {
  @TempDir Path tmp;

  private Dockerd dockerd;
  private DockerExecutor executor;

  @BeforeEach
  void setUp() {
    dockerd = Dockerd.require();
    executor = new DockerExecutor(Clock.systemUTC(), dockerd.config());
  }

  @AfterEach
  void tearDown() {
    if (executor != null) {
      executor.close();
    }
    if (dockerd != null) {
      dockerd.close();
    }
  }

  private TaskRunner started(Task task) throws ExecutorException {
    return started(task, TaskContext.of(tmp.resolve(task.getId())));
  }

  private TaskRunner started(Task task, TaskContext context) throws ExecutorException {
    TaskRunner runner = executor.create(task, context);
    runner.prepare();
    runner.start();
    return runner;
  }

  private static List<String> texts(TaskRunner runner, LogLine.Source source) {
    return runner.logs().snapshot().stream()
        .filter(line -> line.source() == source)
        .map(LogLine::text)
        .toList();
  }

  @Test
  void reportsTheExitCodeAndCapturesBothOutputs() throws Exception {
    TaskRunner runner = started(dockerd.task("t-exit", "sh", "-c", "echo hello; echo oops >&2; exit 3"));

    ExitStatus status = runner.awaitExit();

    assertThat(status.exitCode()).isEqualTo(3);
    assertThat(status.message()).isEqualTo("task exited with code 3");
    assertThat(texts(runner, LogLine.Source.STDOUT)).containsExactly("hello");
    assertThat(texts(runner, LogLine.Source.STDERR)).containsExactly("oops");
    runner.remove();
    assertThat(dockerd.containersOf(dockerd.nodeId)).isEmpty();
  }

  @Test
  void anExitLongAfterTheStartArrivesThroughTheEventsStream() throws Exception {
    TaskRunner runner = started(dockerd.task("t-later", "sh", "-c", "sleep 2; echo done; exit 5"));
    assertThat(dockerd.containersOf(dockerd.nodeId)).singleElement()
        .satisfies(c -> assertThat(c.getState()).isEqualTo("running"));

    long begin = System.nanoTime();
    ExitStatus status = runner.awaitExit();

    assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(10));
    assertThat(status).isEqualTo(new ExitStatus(5, "task exited with code 5"));
    assertThat(texts(runner, LogLine.Source.STDOUT)).containsExactly("done");
    runner.remove();
  }

  @Test
  void anOutOfMemoryKillIsReportedAsSuch() throws Exception {
    Task task = dockerd.task("t-oom", "sh", "-c", "sleep 1; x=$(head -c 64m /dev/zero | tr '\\0' a); echo $x");
    task = task.toBuilder()
        .setSpec(task.getSpec().toBuilder().setLimits(Resources.newBuilder().setMemoryBytes(16L << 20)))
        .build();
    TaskRunner runner = started(task);

    ExitStatus status = runner.awaitExit();

    assertThat(status.exitCode()).isEqualTo(137);
    assertThat(status.message()).startsWith("task killed: out of memory (limit 16777216 bytes");
    runner.remove();
  }

  @Test
  void createsANamedLabelledContainerWithTheTasksCommandEnvAndLimits() throws Exception {
    Task task =
        dockerd.task(
            "t-spec",
            ContainerSpec.newBuilder()
                .setImage(Dockerd.IMAGE)
                .addCommand("sleep")
                .addArgs("600")
                .addEnv("GREETING=hi")
                .putLabels("io.baton.node.id", "someone-else"));
    task =
        task.toBuilder()
            .setSpec(
                task.getSpec().toBuilder()
                    .setLimits(Resources.newBuilder().setNanoCpus(500_000_000L).setMemoryBytes(64L << 20))
                    .setReservations(Resources.newBuilder().setNanoCpus(250_000_000L).setMemoryBytes(32L << 20)))
            .build();
    TaskRunner runner = started(task);

    List<Container> containers = dockerd.containersOf(dockerd.nodeId);
    assertThat(containers).hasSize(1);
    InspectContainerResponse inspect = dockerd.client.inspectContainerCmd(containers.get(0).getId()).exec();
    assertThat(inspect.getName()).isEqualTo("/baton-web-1-t-spec");
    assertThat(inspect.getConfig().getLabels())
        .containsEntry(Labels.SERVICE_ID, "svc1")
        .containsEntry(Labels.TASK_ID, "t-spec")
        .containsEntry(Labels.NODE_ID, dockerd.nodeId);
    assertThat(inspect.getConfig().getCmd()).containsExactly("sleep", "600");
    assertThat(inspect.getConfig().getEnv()).contains("GREETING=hi", "BATON_TASK_ID=t-spec");
    assertThat(inspect.getHostConfig().getNanoCPUs()).isEqualTo(500_000_000L);
    assertThat(inspect.getHostConfig().getMemory()).isEqualTo(64L << 20);
    assertThat(inspect.getHostConfig().getMemoryReservation()).isEqualTo(32L << 20);
    assertThat(inspect.getHostConfig().getCpuShares()).isEqualTo(256);
    assertThat(inspect.getState().getRunning()).isTrue();
    runner.remove();
  }

  @Test
  void aTaskThatTrapsTermExitsWithinItsGracePeriod() throws Exception {
    TaskRunner runner =
        started(dockerd.task("t-trap", "sh", "-c", "trap 'echo bye; exit 0' TERM; echo ready; sleep 600 & wait"));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> texts(runner, LogLine.Source.STDOUT).contains("ready"));

    long begin = System.nanoTime();
    runner.stop(Duration.ofSeconds(20));
    Duration took = Duration.ofNanos(System.nanoTime() - begin);
    ExitStatus status = runner.awaitExit();

    assertThat(took).isLessThan(Duration.ofSeconds(10));
    assertThat(status.exitCode()).isZero();
    assertThat(status.message()).isEqualTo("task exited with code 0 after SIGTERM");
    assertThat(texts(runner, LogLine.Source.STDOUT)).contains("bye");
    runner.remove();
  }

  @Test
  void aTaskThatIgnoresTermIsKilledAfterItsGracePeriod() throws Exception {
    // As PID 1 of its container, sleep has no handler for SIGTERM, so the kernel ignores it.
    TaskRunner runner = started(dockerd.task("t-stubborn", "sleep", "600"));

    long begin = System.nanoTime();
    runner.stop(Duration.ofSeconds(2));
    Duration took = Duration.ofNanos(System.nanoTime() - begin);
    ExitStatus status = runner.awaitExit();

    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
    assertThat(status.exitCode()).isEqualTo(137);
    assertThat(status.message()).isEqualTo("task killed with SIGKILL after its 2000 ms stop grace period");
    runner.remove();
  }

  @Test
  void aSecretIsAReadOnlyFileUnderRunSecrets() throws Exception {
    Path secrets = Files.createDirectory(tmp.resolve("secrets"));
    Files.writeString(secrets.resolve("db_password"), "s3cret");
    Task task =
        dockerd.task(
            "t-secret",
            "sh",
            "-c",
            "cat /run/secrets/db_password; echo;"
                + " if echo x > /run/secrets/db_password; then echo WROTE; else echo DENIED; fi;"
                + " env");
    TaskRunner runner =
        started(task, new TaskContext(tmp.resolve("t-secret"), Optional.of(secrets), Map.of()));

    ExitStatus status = runner.awaitExit();

    List<String> out = texts(runner, LogLine.Source.STDOUT);
    assertThat(status.exitCode()).isZero();
    assertThat(out).contains("s3cret", "DENIED").doesNotContain("WROTE");
    assertThat(out).noneMatch(line -> line.contains("s3cret") && line.contains("="));
    assertThat(texts(runner, LogLine.Source.STDERR)).anyMatch(line -> line.contains("Read-only"));
    assertThat(Files.readString(secrets.resolve("db_password"))).isEqualTo("s3cret");
    runner.remove();
  }

  @Test
  void anImageThatIsNeitherLocalNorPullableRejectsTheTask() throws Exception {
    TaskRunner runner =
        executor.create(
            dockerd.task("t-noimage", ContainerSpec.newBuilder().setImage("busybox:nope").addCommand("true")),
            TaskContext.of(tmp.resolve("t-noimage")));

    assertThatThrownBy(runner::prepare)
        .isInstanceOf(ExecutorException.class)
        .hasMessageStartingWith("image busybox:nope not found locally and it could not be pulled: ");
    runner.remove();
    assertThat(dockerd.containersOf(dockerd.nodeId)).isEmpty();
  }

  @Test
  void aNewAgentReclaimsTheContainersItsCrashedPredecessorLeft() throws Exception {
    started(dockerd.task("t-left1", "sleep", "600"));
    started(dockerd.task("t-left2", "sleep", "600"));
    executor.close(); // the agent dies: nothing stops or removes its runners
    executor = null;
    try (Dockerd other = Dockerd.require();
        DockerExecutor bystander = new DockerExecutor(Clock.systemUTC(), other.config())) {
      TaskRunner theirs = bystander.create(other.task("t-other", "sleep", "600"), TaskContext.of(tmp.resolve("o")));
      theirs.prepare();
      theirs.start();
      assertThat(dockerd.containersOf(dockerd.nodeId)).hasSize(2);

      DockerExecutor restarted = new DockerExecutor(Clock.systemUTC(), dockerd.config());
      executor = restarted;
      restarted.reclaimLeftovers(tmp);

      assertThat(dockerd.containersOf(dockerd.nodeId)).isEmpty();
      assertThat(other.containersOf(other.nodeId)).hasSize(1).allMatch(c -> c.getState().equals("running"));
      theirs.remove();
    }
  }
}
