package io.baton.agent.exec.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.agent.exec.ExecutorException;
import io.baton.agent.exec.TaskContext;
import io.baton.api.ContainerSpec;
import io.baton.api.Resources;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a task's container is created with, derived without dockerd. */
class ContainerPlanTest {
  @TempDir Path tmp;

  private static Task task(String id, ContainerSpec.Builder container) {
    return Task.newBuilder()
        .setId(id)
        .setServiceId("svc1")
        .setServiceName("web")
        .setSlot(3)
        .setNodeId("node1")
        .setSpec(TaskSpec.newBuilder().setContainer(container))
        .build();
  }

  private ContainerPlan plan(Task task) throws ExecutorException {
    return ContainerPlan.of(task, TaskContext.of(tmp.resolve(task.getId())), "node1");
  }

  @Test
  void commandAndArgsReplaceTheImageCmdAndBatonsLabelsCannotBeForged() throws Exception {
    ContainerPlan plan =
        plan(
            task(
                "t1",
                ContainerSpec.newBuilder()
                    .setImage("busybox")
                    .addCommand("sleep")
                    .addArgs("5")
                    .addEnv("A=1")
                    .putLabels("team", "blue")
                    .putLabels(Labels.NODE_ID, "another-node")
                    .putLabels(Labels.TASK_ID, "another-task")));

    assertThat(plan.name()).isEqualTo("baton-web-3-t1");
    assertThat(plan.cmd()).containsExactly("sleep", "5");
    assertThat(plan.env()).contains("A=1", "BATON_TASK_ID=t1", "BATON_SERVICE_NAME=web", "BATON_TASK_SLOT=3");
    assertThat(plan.labels())
        .containsEntry("team", "blue")
        .containsEntry(Labels.NODE_ID, "node1")
        .containsEntry(Labels.TASK_ID, "t1")
        .containsEntry(Labels.SERVICE_ID, "svc1");
  }

  @Test
  void noCommandKeepsTheImageDefault() throws Exception {
    assertThat(plan(task("t1", ContainerSpec.newBuilder().setImage("nginx"))).cmd()).isEmpty();
  }

  @Test
  void limitsAndReservationsMapToDockerResources() throws Exception {
    Task task =
        task("t1", ContainerSpec.newBuilder().setImage("busybox")).toBuilder()
            .setSpec(
                TaskSpec.newBuilder()
                    .setContainer(ContainerSpec.newBuilder().setImage("busybox"))
                    .setLimits(Resources.newBuilder().setNanoCpus(1_500_000_000L).setMemoryBytes(1L << 30))
                    .setReservations(Resources.newBuilder().setNanoCpus(1_000_000L).setMemoryBytes(1L << 20)))
            .build();

    ContainerPlan plan = plan(task);

    assertThat(plan.nanoCpus()).isEqualTo(1_500_000_000L);
    assertThat(plan.memoryBytes()).isEqualTo(1L << 30);
    assertThat(plan.memoryReservationBytes()).isEqualTo(1L << 20);
    assertThat(plan.cpuShares()).isEqualTo(2); // a thousandth of a CPU still gets docker's minimum weight
  }

  @Test
  void aServiceNameDockerWouldRefuseIsMadeSafe() throws Exception {
    Task task = task("t1", ContainerSpec.newBuilder().setImage("busybox")).toBuilder()
        .setServiceName("my web/app").setSlot(0).build();
    assertThat(plan(task).name()).isEqualTo("baton-my_web_app-node1-t1");
  }

  @Test
  void secretsBecomeOneReadOnlyFileEachAndNeverEnvironment() throws Exception {
    Path secrets = Files.createDirectory(tmp.resolve("secrets"));
    Files.writeString(secrets.resolve("db_password"), "s3cret");
    Files.createDirectory(secrets.resolve("not-a-file"));
    Task task = task("t1", ContainerSpec.newBuilder().setImage("busybox"));

    ContainerPlan plan =
        ContainerPlan.of(task, new TaskContext(tmp.resolve("t1"), Optional.of(secrets), Map.of()), "node1");

    assertThat(plan.secretFiles()).containsExactly(Map.entry(secrets.resolve("db_password"), "db_password"));
    assertThat(plan.env()).noneMatch(entry -> entry.contains("s3cret"));
  }

  @Test
  void badTasksAreRejectedWithTheReason() {
    assertThatThrownBy(() -> plan(task("../x", ContainerSpec.newBuilder().setImage("busybox"))))
        .hasMessage("invalid task id");
    assertThatThrownBy(() -> plan(task("t1", ContainerSpec.newBuilder().addCommand("true"))))
        .hasMessage("the docker executor needs an image");
    assertThatThrownBy(() -> plan(task("t1", ContainerSpec.newBuilder().setImage("busybox").addEnv("NOVALUE"))))
        .hasMessage("invalid env entry \"NOVALUE\": want KEY=VALUE");
  }

  @Test
  void anUntaggedImageIsPulledAsLatest() {
    assertThat(DockerTaskRunner.withTag("busybox")).isEqualTo("busybox:latest");
    assertThat(DockerTaskRunner.withTag("registry:5000/team/app")).isEqualTo("registry:5000/team/app:latest");
    assertThat(DockerTaskRunner.withTag("busybox:1.36")).isEqualTo("busybox:1.36");
    assertThat(DockerTaskRunner.withTag("busybox@sha256:abc")).isEqualTo("busybox@sha256:abc");
  }

  @Test
  void graceIsRoundedUpToWholeSeconds() {
    assertThat(DockerTaskRunner.seconds(java.time.Duration.ZERO)).isZero();
    assertThat(DockerTaskRunner.seconds(java.time.Duration.ofMillis(1))).isEqualTo(1);
    assertThat(DockerTaskRunner.seconds(java.time.Duration.ofMillis(2500))).isEqualTo(3);
  }
}
