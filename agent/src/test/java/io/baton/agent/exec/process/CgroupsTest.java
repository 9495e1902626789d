package io.baton.agent.exec.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.baton.agent.exec.TaskContext;
import io.baton.agent.exec.TaskRunner;
import io.baton.agent.exec.TestTasks;
import io.baton.api.Resources;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CgroupsTest {
  private static final Resources LIMITS =
      Resources.newBuilder().setNanoCpus(500_000_000L).setMemoryBytes(64L << 20).build();

  @TempDir Path tmp;

  private Path fakeHierarchy(String controllers) throws IOException {
    Path root = Files.createDirectories(tmp.resolve("cgroup"));
    Files.writeString(root.resolve("cgroup.controllers"), controllers + "\n");
    return root;
  }

  @Test
  void withoutAHierarchyTasksRunUnconfinedWithOneWarning() {
    Cgroups cgroups = Cgroups.detect(tmp.resolve("none"));

    assertThat(cgroups.writable()).isFalse();
    assertThat(cgroups.enforcesLimits()).isFalse();
    assertThat(cgroups.warning())
        .contains("cgroups v2 not writable here: task CPU and memory limits are not enforced");
    assertThat(cgroups.create("t1", LIMITS)).isEmpty();
  }

  @Test
  void enablesTheControllersAndWritesEachTasksLimits() throws IOException {
    Path root = fakeHierarchy("cpuset cpu io memory pids");
    Cgroups cgroups = Cgroups.detect(root);

    assertThat(cgroups.enforcesLimits()).isTrue();
    assertThat(cgroups.warning()).isEmpty();
    assertThat(root.resolve("cgroup.subtree_control")).hasContent("+cpu +memory");
    assertThat(root.resolve("baton/cgroup.subtree_control")).hasContent("+cpu +memory");

    TaskCgroup cgroup = cgroups.create("t1", LIMITS).orElseThrow();
    assertThat(cgroup.dir()).isEqualTo(root.resolve("baton/t1"));
    assertThat(cgroup.dir().resolve("memory.max")).hasContent("67108864");
    assertThat(cgroup.dir().resolve("cpu.max")).hasContent("50000 100000");
  }

  @Test
  void withoutTheLimitControllersItSaysWhichAreMissing() throws IOException {
    Cgroups cgroups = Cgroups.detect(fakeHierarchy("pids"));

    assertThat(cgroups.writable()).isTrue();
    assertThat(cgroups.enforcesLimits()).isFalse();
    assertThat(cgroups.warning())
        .contains(
            "cgroup v2 controllers cpu, memory not available here: task CPU and memory limits are"
                + " not enforced");
    TaskCgroup cgroup = cgroups.create("t1", LIMITS).orElseThrow();
    assertThat(cgroup.dir().resolve("memory.max")).doesNotExist();
  }

  @Test
  void cpuMaxIsAQuotaPerHundredMillisecondPeriod() {
    assertThat(Cgroups.cpuMax(2_000_000_000L)).isEqualTo("200000 100000");
    assertThat(Cgroups.cpuMax(250_000_000L)).isEqualTo("25000 100000");
    assertThat(Cgroups.cpuMax(1)).isEqualTo("1000 100000");
  }

  @Test
  void theTaskProcessEntersItsCgroupBeforeRunningTheCommand() throws Exception {
    Path root = fakeHierarchy("cpu memory");
    ProcessExecutor executor =
        new ProcessExecutor(Clock.systemUTC(), ProcessExecutorConfig.defaults().withCgroupRoot(root));
    assertThat(executor.enforcesLimits()).isTrue();
    Task task = limited(TestTasks.running("t1", "sh", "-c", "echo $$"));
    TaskRunner runner = executor.create(task, TaskContext.of(tmp.resolve("work")));
    runner.prepare();
    runner.start();

    assertThat(runner.awaitExit().exitCode()).isZero();
    String pid = runner.logs().snapshot().getFirst().text();
    assertThat(root.resolve("baton/t1/cgroup.procs")).hasContent(pid);

    try (Stream<Path> files = Files.list(root.resolve("baton/t1"))) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    runner.remove();
    assertThat(root.resolve("baton/t1")).doesNotExist();
  }

  @Test
  void onARealHierarchyStopReachesProcessesThatLeftTheTree() throws Exception {
    Optional<Path> root =
        Stream.of(Path.of("/sys/fs/cgroup"), Path.of("/sys/fs/cgroup/unified"))
            .filter(r -> Files.isRegularFile(r.resolve("cgroup.controllers")))
            .findFirst();
    assumeTrue(root.isPresent(), "no cgroup v2 hierarchy on this machine");
    Path parent = root.get().resolve(Cgroups.PARENT);
    boolean parentExisted = Files.exists(parent);
    if (!Cgroups.detect(root.get()).writable()) {
      Files.deleteIfExists(parent);
      assumeTrue(false, "the cgroup v2 hierarchy " + root.get() + " is not writable");
    }
    ProcessExecutor executor =
        new ProcessExecutor(
            Clock.systemUTC(), ProcessExecutorConfig.defaults().withCgroupRoot(root.get()));
    String id = "test-" + UUID.randomUUID();
    TaskRunner runner =
        executor.create(
            limited(TestTasks.running(id, "sh", "-c", "(sleep 309 &); sleep 310")),
            TaskContext.of(tmp.resolve("work")));
    runner.prepare();
    runner.start();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Processes.sleeping("309").size() == 1 || orphans("309").size() == 1);
    Path cgroup = root.get().resolve("baton").resolve(id);
    List<ProcessHandle> members = new TaskCgroup(cgroup).members().stream().toList();
    assertThat(members).hasSizeGreaterThanOrEqualTo(2);

    try {
      runner.stop(Duration.ofSeconds(2));
      runner.remove();

      assertThat(members).noneMatch(ProcessTree::isRunning);
      assertThat(cgroup).doesNotExist();
    } finally {
      runner.remove();
      if (!parentExisted) {
        Files.deleteIfExists(parent);
      }
    }
  }

  private static List<ProcessHandle> orphans(String marker) {
    return ProcessHandle.allProcesses()
        .filter(ProcessTree::isRunning)
        .filter(p -> p.info().arguments().map(a -> List.of(a).equals(List.of(marker))).orElse(false))
        .toList();
  }

  private static Task limited(Task task) {
    Task.Builder builder = task.toBuilder();
    builder.setSpec(TaskSpec.newBuilder(task.getSpec()).setLimits(LIMITS));
    return builder.build();
  }
}
