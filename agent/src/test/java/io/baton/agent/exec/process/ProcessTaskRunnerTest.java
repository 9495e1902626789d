package io.baton.agent.exec.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baton.agent.exec.ExecutorException;
import io.baton.agent.exec.ExitStatus;
import io.baton.agent.exec.LogLine;
import io.baton.agent.exec.TaskContext;
import io.baton.agent.exec.TaskRunner;
import io.baton.agent.exec.TestTasks;
import io.baton.api.ContainerSpec;
import io.baton.api.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The process executor's runner on its own, without the TaskManager. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProcessTaskRunnerTest {
  @TempDir Path tmp;
  private ProcessExecutor executor;

  private ProcessExecutor executor() {
    executor =
        new ProcessExecutor(
            Clock.systemUTC(),
            ProcessExecutorConfig.defaults().withCgroupRoot(tmp.resolve("no-cgroups")));
    return executor;
  }

  @AfterEach
  void tearDown() {
    if (executor != null) {
      executor.close();
    }
  }

  private TaskRunner started(Task task, TaskContext context) throws ExecutorException {
    TaskRunner runner = executor().create(task, context);
    runner.prepare();
    runner.start();
    return runner;
  }

  private List<String> texts(TaskRunner runner) {
    return runner.logs().snapshot().stream().map(LogLine::text).toList();
  }

  @Test
  void isNamedProcessAndSaysWhetherLimitsAreEnforced() {
    assertThat(executor().name()).isEqualTo("process");
    assertThat(executor.enforcesLimits()).isFalse();
  }

  @Test
  void passesTheSecretsDirectoryAndTheAgentsExtraEnvironment() throws Exception {
    Path secrets = Files.createDirectory(tmp.resolve("secrets"));
    Files.writeString(secrets.resolve("db"), "secret-file-content");
    TaskContext context =
        new TaskContext(tmp.resolve("work"), Optional.of(secrets), Map.of("BATON_NODE_ID", "n1"));
    TaskRunner runner =
        started(TestTasks.running("t1", "sh", "-c", "env; cat \"$BATON_SECRETS_DIR/db\"; echo"), context);

    assertThat(runner.awaitExit().exitCode()).isZero();
    // As root, the task runs in its own mount namespace and sees the directory at /run/secrets.
    boolean root = Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    assertThat(texts(runner))
        .contains(
            "BATON_SECRETS_DIR=" + (root ? "/run/secrets" : secrets),
            "BATON_NODE_ID=n1",
            "BATON_TASK_ID=t1",
            "secret-file-content");
    if (root) {
      assertThat(Path.of("/run/secrets/db")).doesNotExist();
    }
    runner.remove();
  }

  @Test
  void resolvesTheCommandAgainstTheTasksPathNotTheAgents() throws Exception {
    Path bin = Files.createDirectory(tmp.resolve("bin"));
    Path tool = Files.writeString(bin.resolve("baton-test-tool"), "#!/bin/sh\necho tool ran\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx------"));
    Task task =
        TestTasks.task(
            "t1",
            ContainerSpec.newBuilder()
                .addCommand("baton-test-tool")
                .addEnv("PATH=" + bin + ":/bin")
                .build());
    TaskRunner runner = started(task, TaskContext.of(tmp.resolve("work")));

    assertThat(runner.awaitExit()).isEqualTo(new ExitStatus(0, "task exited with code 0"));
    assertThat(texts(runner)).containsExactly("tool ran");
  }

  @Test
  void aRelativeCommandIsResolvedInTheWorkDir() throws Exception {
    Path workDir = tmp.resolve("work");
    TaskRunner runner =
        executor().create(TestTasks.running("t1", "./run.sh", "a b"), TaskContext.of(workDir));
    runner.prepare();
    Path script = Files.writeString(workDir.resolve("run.sh"), "#!/bin/sh\necho \"arg=$1\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    runner.start();

    runner.awaitExit();
    assertThat(texts(runner)).containsExactly("arg=a b");
  }

  @Test
  void splitsOverlongLinesAndDropsCarriageReturns() throws Exception {
    TaskRunner runner =
        started(
            TestTasks.running(
                "t1", "sh", "-c", "printf 'crlf\\r\\n'; head -c 40000 /dev/zero | tr '\\0' a"),
            TaskContext.of(tmp.resolve("work")));
    runner.awaitExit();

    assertThat(texts(runner))
        .containsExactly(
            "crlf",
            "a".repeat(OutputPump.MAX_LINE_BYTES),
            "a".repeat(OutputPump.MAX_LINE_BYTES),
            "a".repeat(40_000 - 2 * OutputPump.MAX_LINE_BYTES));
  }

  @Test
  void stdinIsEmpty() throws Exception {
    TaskRunner runner =
        started(TestTasks.running("t1", "sh", "-c", "wc -c"), TaskContext.of(tmp.resolve("work")));
    runner.awaitExit();
    assertThat(texts(runner)).containsExactly("0");
  }

  @Test
  void stopBeforeStartPreventsTheStart() throws Exception {
    TaskRunner runner =
        executor().create(TestTasks.running("t1", "sleep", "306"), TaskContext.of(tmp.resolve("w")));
    runner.prepare();
    runner.stop(Duration.ofSeconds(1));

    assertThatThrownBy(runner::start)
        .isInstanceOf(ExecutorException.class)
        .hasMessage("task stopped before it started");
    assertThatThrownBy(runner::awaitExit).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void stopIsIdempotentAndEveryCallerReturnsOnceTheTaskIsGone() throws Exception {
    TaskRunner runner =
        started(
            TestTasks.running("t1", "sh", "-c", "trap '' TERM; sleep 307"),
            TaskContext.of(tmp.resolve("work")));
    await().atMost(Duration.ofSeconds(5)).until(() -> Processes.sleeping("307").size() == 1);

    CompletableFuture<Void> first =
        CompletableFuture.runAsync(() -> runner.stop(Duration.ofMillis(300)));
    CompletableFuture<Void> second =
        CompletableFuture.runAsync(() -> runner.stop(Duration.ofMillis(300)));
    first.get(10, TimeUnit.SECONDS);
    second.get(10, TimeUnit.SECONDS);

    assertThat(Processes.sleeping("307")).isEmpty();
    assertThat(runner.awaitExit().exitCode()).isEqualTo(137);
    runner.stop(Duration.ZERO);
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void manyRunningTasksLeaveVirtualThreadsFreeToStopThem() throws Exception {
    // Each running task has two output readers blocked in pipe reads. On virtual threads each such
    // read held a carrier of the virtual-thread scheduler; once its spare carriers retired, none was
    // left for the virtual threads that stop the tasks, and a stopping agent waited forever.
    int tasks = 4 * Runtime.getRuntime().availableProcessors() + 2;
    ProcessExecutor processes = executor();
    List<TaskRunner> runners = new ArrayList<>();
    List<Thread> waiting = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      TaskRunner runner =
          processes.create(TestTasks.running("many" + i, "sleep", "311"), TaskContext.of(tmp.resolve("w" + i)));
      runners.add(runner);
      waiting.add(Thread.ofVirtual().start(() -> {
        try {
          runner.prepare();
          runner.start();
          runner.awaitExit();
        } catch (ExecutorException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> Processes.sleeping("311").size() == tasks);
    // Idle past the 30 s keep-alive after which the virtual-thread scheduler retires spare carriers.
    Thread.sleep(Duration.ofSeconds(35));

    List<Thread> stopping =
        runners.stream()
            .map(runner -> Thread.ofVirtual().start(() -> runner.stop(Duration.ofSeconds(5))))
            .toList();
    for (Thread stop : stopping) {
      assertThat(stop.join(Duration.ofSeconds(15))).as("a stop finished").isTrue();
    }
    for (Thread wait : waiting) {
      assertThat(wait.join(Duration.ofSeconds(15))).as("a task's exit was seen").isTrue();
    }
    assertThat(Processes.sleeping("311")).isEmpty();
  }

  @Test
  void removeKillsARunningTaskAndDeletesTheWorkDir() throws Exception {
    Path workDir = tmp.resolve("work");
    TaskRunner runner = started(TestTasks.running("t1", "sleep", "308"), TaskContext.of(workDir));

    runner.remove();
    runner.remove();

    assertThat(workDir).doesNotExist();
    assertThat(Processes.sleeping("308")).isEmpty();
    assertThat(runner.awaitExit().exitCode()).isIn(137, 143);
  }

  @Test
  void aLeftoverWorkDirIsReplacedByAnEmptyOne() throws Exception {
    Path workDir = Files.createDirectories(tmp.resolve("work"));
    Files.writeString(workDir.resolve("stale"), "old run");
    TaskRunner runner = started(TestTasks.running("t1", "ls", "-A"), TaskContext.of(workDir));

    runner.awaitExit();
    assertThat(texts(runner)).isEmpty();
    runner.remove();
  }

  @Test
  void refusesUnsafeTaskIds() {
    assertThatThrownBy(
            () -> executor().create(TestTasks.running("..", "true"), TaskContext.of(tmp.resolve("w"))))
        .isInstanceOf(ExecutorException.class)
        .hasMessage("invalid task id");
  }
}
