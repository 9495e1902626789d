package io.baton.agent.exec.process;

import static io.baton.api.TaskState.TASK_STATE_ACCEPTED;
import static io.baton.api.TaskState.TASK_STATE_COMPLETE;
import static io.baton.api.TaskState.TASK_STATE_FAILED;
import static io.baton.api.TaskState.TASK_STATE_PREPARING;
import static io.baton.api.TaskState.TASK_STATE_REJECTED;
import static io.baton.api.TaskState.TASK_STATE_RUNNING;
import static io.baton.api.TaskState.TASK_STATE_SHUTDOWN;
import static io.baton.api.TaskState.TASK_STATE_STARTING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.agent.exec.LogLine;
import io.baton.agent.exec.LogLine.Source;
import io.baton.agent.exec.RecordingListener;
import io.baton.agent.exec.TaskManager;
import io.baton.agent.exec.TestTasks;
import io.baton.api.ContainerSpec;
import io.baton.api.Task;
import io.baton.api.TaskStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The process executor driven by the TaskManager, with real processes. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProcessExecutorTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path tmp;
  private final RecordingListener listener = new RecordingListener();
  private ProcessExecutor executor;
  private TaskManager manager;
  private Path tasksRoot;

  @BeforeEach
  void setUp() {
    executor =
        new ProcessExecutor(
            Clock.systemUTC(),
            ProcessExecutorConfig.defaults().withCgroupRoot(tmp.resolve("no-cgroups")));
    tasksRoot = tmp.resolve("tasks");
    manager = new TaskManager(executor, tasksRoot, listener, Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    manager.close();
    executor.close();
    listener.assertOnlyForward();
  }

  @Test
  void nonZeroExitIsFailedWithItsCodeAndBothStreamsInTheLogs() {
    manager.reconcile(
        List.of(TestTasks.running("t1", "sh", "-c", "echo hello; echo err >&2; exit 3")));

    TaskStatus failed = listener.await("t1", TASK_STATE_FAILED, WAIT);

    assertThat(listener.states("t1"))
        .containsExactly(
            TASK_STATE_ACCEPTED,
            TASK_STATE_PREPARING,
            TASK_STATE_STARTING,
            TASK_STATE_RUNNING,
            TASK_STATE_FAILED);
    assertThat(failed.getExitCode()).isEqualTo(3);
    assertThat(failed.getError()).isEqualTo("task exited with code 3");
    assertThat(manager.logs("t1").orElseThrow().snapshot())
        .extracting(LogLine::source, LogLine::text)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(Source.STDOUT, "hello"),
            org.assertj.core.groups.Tuple.tuple(Source.STDERR, "err"));
  }

  @Test
  void exitZeroIsComplete() {
    manager.reconcile(List.of(TestTasks.running("t1", "sh", "-c", "echo done")));

    TaskStatus complete = listener.await("t1", TASK_STATE_COMPLETE, WAIT);
    assertThat(complete.getExitCode()).isZero();
    assertThat(manager.logs("t1").orElseThrow().snapshot())
        .extracting(LogLine::text)
        .containsExactly("done");
  }

  @Test
  void aTaskRemovedFromTheSetIsStoppedWithSigtermWithinItsGrace() {
    Task task = TestTasks.withGrace(TestTasks.running("t1", "sleep", "300"), 10_000);
    manager.reconcile(List.of(task));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);
    Path workDir = tasksRoot.resolve("t1");
    assertThat(workDir).isDirectory();

    long start = System.nanoTime();
    manager.reconcile(List.of());
    TaskStatus shutdown = listener.await("t1", TASK_STATE_SHUTDOWN, WAIT);

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(shutdown.getExitCode()).isEqualTo(143);
    assertThat(shutdown.getMessage()).contains("SIGTERM");
    await().atMost(WAIT).until(() -> !Files.exists(workDir));
    assertThat(Processes.sleeping("300")).isEmpty();
  }

  @Test
  void aTaskIgnoringSigtermIsKilledAfterItsGrace() {
    Task task =
        TestTasks.withGrace(
            TestTasks.running("t1", "sh", "-c", "trap '' TERM; echo trapped; sleep 300"), 500);
    manager.reconcile(List.of(task));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);
    await()
        .atMost(WAIT)
        .until(() -> manager.logs("t1").orElseThrow().snapshot().size() == 1);

    long start = System.nanoTime();
    manager.reconcile(List.of(TestTasks.shutdown(task)));
    TaskStatus shutdown = listener.await("t1", TASK_STATE_SHUTDOWN, WAIT);

    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(500)).isLessThan(Duration.ofSeconds(5));
    assertThat(shutdown.getExitCode()).isEqualTo(137);
    assertThat(shutdown.getMessage()).contains("SIGKILL").contains("500 ms");
  }

  @Test
  void stoppingATaskEndsEveryProcessItStarted() {
    Task task =
        TestTasks.withGrace(TestTasks.running("t1", "sh", "-c", "sleep 301 & sleep 302"), 5_000);
    manager.reconcile(List.of(task));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);
    await()
        .atMost(WAIT)
        .until(() -> Processes.sleeping("301").size() == 1 && Processes.sleeping("302").size() == 1);
    List<ProcessHandle> children =
        List.of(Processes.sleeping("301").getFirst(), Processes.sleeping("302").getFirst());

    manager.reconcile(List.of(TestTasks.shutdown(task)));
    listener.await("t1", TASK_STATE_SHUTDOWN, WAIT);

    assertThat(children).noneMatch(ProcessTree::isRunning);
  }

  @Test
  void theEnvironmentIsCleanAndHoldsOnlyBatonsAndTheSpecsVariables() {
    Task task =
        TestTasks.task(
            "t1",
            ContainerSpec.newBuilder()
                .addCommand("env")
                .addEnv("FOO=bar=baz")
                .addEnv("EMPTY=")
                .build());
    manager.reconcile(List.of(task));
    listener.await("t1", TASK_STATE_COMPLETE, WAIT);

    Map<String, String> env = new LinkedHashMap<>();
    for (LogLine line : manager.logs("t1").orElseThrow().snapshot()) {
      int eq = line.text().indexOf('=');
      env.put(line.text().substring(0, eq), line.text().substring(eq + 1));
    }
    Path workDir = tasksRoot.toAbsolutePath().resolve("t1");
    assertThat(env)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "PATH", Launch.DEFAULT_PATH,
                "HOME", workDir.toString(),
                "FOO", "bar=baz",
                "EMPTY", "",
                "BATON_TASK_ID", "t1",
                "BATON_SERVICE_NAME", "web",
                "BATON_TASK_SLOT", "2"));
    Set<String> agentOnly = new HashSet<>(System.getenv().keySet());
    agentOnly.removeAll(Set.of("PATH", "HOME"));
    assertThat(agentOnly).as("the test JVM's own environment").isNotEmpty();
    assertThat(env).doesNotContainKeys(agentOnly.toArray(String[]::new));
  }

  @Test
  void malformedTasksAreRejectedWithTheReason() {
    manager.reconcile(
        List.of(
            TestTasks.task(
                "no-equals", ContainerSpec.newBuilder().addCommand("true").addEnv("FOO").build()),
            TestTasks.task(
                "bad-name", ContainerSpec.newBuilder().addCommand("true").addEnv("1X=y").build()),
            TestTasks.task(
                "reserved",
                ContainerSpec.newBuilder().addCommand("true").addEnv("BATON_TASK_ID=x").build()),
            TestTasks.task("no-command", ContainerSpec.newBuilder().addArgs("x").build()),
            TestTasks.running("not-found", "baton-no-such-command"),
            TestTasks.task(
                "user", ContainerSpec.newBuilder().addCommand("true").setUser("nobody").build())));

    assertThat(listener.await("no-equals", TASK_STATE_REJECTED, WAIT).getError())
        .isEqualTo("invalid env entry \"FOO\": want KEY=VALUE");
    assertThat(listener.await("bad-name", TASK_STATE_REJECTED, WAIT).getError())
        .startsWith("invalid env entry \"1X\"");
    assertThat(listener.await("reserved", TASK_STATE_REJECTED, WAIT).getError())
        .isEqualTo("invalid env entry BATON_TASK_ID: baton sets it");
    assertThat(listener.await("no-command", TASK_STATE_REJECTED, WAIT).getError())
        .isEqualTo("the process executor needs a command");
    assertThat(listener.await("not-found", TASK_STATE_REJECTED, WAIT).getError())
        .isEqualTo("command not found: baton-no-such-command");
    assertThat(listener.await("user", TASK_STATE_REJECTED, WAIT).getError())
        .contains("cannot switch to user \"nobody\"");
    assertThat(listener.states("no-command")).containsExactly(TASK_STATE_ACCEPTED, TASK_STATE_REJECTED);
    assertThat(listener.states("not-found")).doesNotContain(TASK_STATE_RUNNING);
  }

  @Test
  void reconcilingTheSameSetAgainStartsOneProcess() {
    List<Task> assigned = List.of(TestTasks.running("t1", "sleep", "303"));
    manager.reconcile(assigned);
    manager.reconcile(assigned);
    listener.await("t1", TASK_STATE_RUNNING, WAIT);
    manager.reconcile(assigned);

    await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> Processes.sleeping("303").size() == 1);
  }

  @Test
  void closeStopsEveryTaskAndRemovesTheirDirectories() {
    manager.reconcile(
        List.of(
            TestTasks.withGrace(TestTasks.running("t1", "sleep", "304"), 2_000),
            TestTasks.withGrace(TestTasks.running("t2", "sleep", "305"), 2_000)));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);
    listener.await("t2", TASK_STATE_RUNNING, WAIT);
    await().atMost(WAIT).until(() -> Processes.sleeping("305").size() == 1);

    manager.close();

    assertThat(listener.last("t1").map(TaskStatus::getState)).contains(TASK_STATE_SHUTDOWN);
    assertThat(listener.last("t2").map(TaskStatus::getState)).contains(TASK_STATE_SHUTDOWN);
    assertThat(Processes.sleeping("304")).isEmpty();
    assertThat(Processes.sleeping("305")).isEmpty();
    assertThat(tasksRoot.resolve("t1")).doesNotExist();
    assertThat(tasksRoot.resolve("t2")).doesNotExist();
  }

  @Test
  void theWorkDirIsPrivateAndItsRemovalDoesNotFollowLinks() throws Exception {
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    Path precious = Files.writeString(outside.resolve("precious"), "keep me");
    Task task =
        TestTasks.running(
            "t1",
            "sh",
            "-c",
            "pwd; echo data > file; mkdir sub; chmod 000 sub; ln -s \"$1\" link; echo ready; sleep 300",
            "task",
            outside.toString());
    manager.reconcile(List.of(task));
    await()
        .atMost(WAIT)
        .until(
            () ->
                manager.logs("t1").map(l -> l.snapshot().size() == 2).orElse(false));
    Path workDir = tasksRoot.toAbsolutePath().resolve("t1");
    assertThat(manager.logs("t1").orElseThrow().snapshot().getFirst().text())
        .isEqualTo(workDir.toString());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(workDir)))
        .isEqualTo("rwx------");

    manager.reconcile(List.of());

    await().atMost(WAIT).until(() -> !Files.exists(workDir));
    assertThat(precious).hasContent("keep me");
  }
}
