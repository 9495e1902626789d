package io.baton.agent.exec;

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

import io.baton.agent.exec.FakeExecutor.Step;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TaskManagerTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

  @TempDir Path tmp;
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final FakeExecutor executor = new FakeExecutor(clock);
  private final RecordingListener listener = new RecordingListener();
  private TaskManager manager;

  @BeforeEach
  void setUp() {
    manager = new TaskManager(executor, tmp.resolve("tasks"), listener, clock);
  }

  @AfterEach
  void tearDown() {
    manager.close();
    listener.assertOnlyForward();
  }

  @Test
  void runsANewTaskThroughEveryStateToComplete() {
    Task task = TestTasks.running("t1", "sleep", "1");
    manager.reconcile(List.of(task));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);
    assertThat(executor.isRunning("t1")).isTrue();

    executor.exit("t1", 0);

    TaskStatus complete = listener.await("t1", TASK_STATE_COMPLETE, WAIT);
    assertThat(listener.states("t1"))
        .containsExactly(
            TASK_STATE_ACCEPTED,
            TASK_STATE_PREPARING,
            TASK_STATE_STARTING,
            TASK_STATE_RUNNING,
            TASK_STATE_COMPLETE);
    assertThat(listener.statuses("t1"))
        .allSatisfy(s -> assertThat(s.getTimestampMs()).isEqualTo(NOW.toEpochMilli()));
    assertThat(complete.getExitCode()).isZero();
    assertThat(complete.getError()).isEmpty();
    assertThat(executor.steps("t1")).containsExactly(Step.CREATE, Step.PREPARE, Step.START);
  }

  @Test
  void nonZeroExitIsFailedWithCodeAndReason() {
    manager.reconcile(List.of(TestTasks.running("t1", "false")));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);

    executor.exit("t1", 3);

    TaskStatus failed = listener.await("t1", TASK_STATE_FAILED, WAIT);
    assertThat(failed.getExitCode()).isEqualTo(3);
    assertThat(failed.getMessage()).isEqualTo("task exited with code 3");
    assertThat(failed.getError()).isEqualTo("task exited with code 3");
  }

  @Test
  void givesTheExecutorAPrivateWorkDirUnderTheTasksRoot() throws Exception {
    manager.reconcile(List.of(TestTasks.running("t1", "true")));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);

    TaskContext context = executor.context("t1").orElseThrow();
    assertThat(context.workDir()).isEqualTo(tmp.resolve("tasks").resolve("t1").toAbsolutePath());
    assertThat(context.secretsDir()).isEmpty();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("tasks"))))
        .isEqualTo("rwx------");
  }

  @Test
  void reconcilingTheSameSetAgainStartsNothingTwice() {
    List<Task> assigned = List.of(TestTasks.running("t1", "a"), TestTasks.running("t2", "b"));
    manager.reconcile(assigned);
    manager.reconcile(assigned);
    listener.await("t1", TASK_STATE_RUNNING, WAIT);
    listener.await("t2", TASK_STATE_RUNNING, WAIT);
    manager.reconcile(assigned);

    assertThat(executor.steps("t1")).containsExactly(Step.CREATE, Step.PREPARE, Step.START);
    assertThat(executor.steps("t2")).containsExactly(Step.CREATE, Step.PREPARE, Step.START);
  }

  @Test
  void neverRestartsATaskThatEnded() {
    Task task = TestTasks.running("t1", "false");
    manager.reconcile(List.of(task));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);
    executor.exit("t1", 1);
    listener.await("t1", TASK_STATE_FAILED, WAIT);

    manager.reconcile(List.of(task));
    manager.reconcile(List.of(TestTasks.withStatus(task, TaskState.TASK_STATE_FAILED)));

    assertThat(executor.steps("t1")).containsExactly(Step.CREATE, Step.PREPARE, Step.START);
    assertThat(manager.logs("t1")).isPresent();
  }

  @Test
  void prepareFailureIsRejectedWithTheExecutorsReason() {
    executor.failOn(Step.PREPARE, t -> t.getId().equals("t1"), "image not found");
    manager.reconcile(List.of(TestTasks.running("t1", "x")));

    TaskStatus rejected = listener.await("t1", TASK_STATE_REJECTED, WAIT);
    assertThat(rejected.getError()).isEqualTo("image not found");
    assertThat(rejected.getMessage()).isEqualTo("image not found");
    assertThat(listener.states("t1"))
        .containsExactly(TASK_STATE_ACCEPTED, TASK_STATE_PREPARING, TASK_STATE_REJECTED);
    assertThat(executor.steps("t1")).doesNotContain(Step.START);
  }

  @Test
  void createAndStartFailuresAreRejected() {
    executor.failOn(Step.CREATE, t -> t.getId().equals("t1"), "no such executor feature");
    executor.failOn(Step.START, t -> t.getId().equals("t2"), "command not found: foo");
    manager.reconcile(List.of(TestTasks.running("t1", "x"), TestTasks.running("t2", "foo")));

    assertThat(listener.await("t1", TASK_STATE_REJECTED, WAIT).getError())
        .isEqualTo("no such executor feature");
    assertThat(listener.await("t2", TASK_STATE_REJECTED, WAIT).getError())
        .isEqualTo("command not found: foo");
    assertThat(listener.states("t2")).contains(TASK_STATE_STARTING).doesNotContain(TASK_STATE_RUNNING);
  }

  @Test
  void desiredShutdownStopsWithTheSpecGraceAndReportsShutdown() {
    Task task = TestTasks.withGrace(TestTasks.running("t1", "sleep"), 1_500);
    manager.reconcile(List.of(task));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);

    manager.reconcile(List.of(TestTasks.shutdown(task)));

    TaskStatus shutdown = listener.await("t1", TASK_STATE_SHUTDOWN, WAIT);
    assertThat(shutdown.getExitCode()).isEqualTo(FakeExecutor.STOPPED_EXIT_CODE);
    assertThat(executor.stopGrace("t1")).contains(Duration.ofMillis(1_500));
    assertThat(manager.taskIds()).contains("t1");
    assertThat(executor.steps("t1")).doesNotContain(Step.REMOVE);
  }

  @Test
  void aTaskLeavingTheSetIsStoppedWithTheDefaultGraceRemovedAndForgotten() {
    manager.reconcile(List.of(TestTasks.running("t1", "sleep"), TestTasks.running("t2", "x")));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);
    listener.await("t2", TASK_STATE_RUNNING, WAIT);

    manager.reconcile(List.of(TestTasks.running("t2", "x")));

    listener.await("t1", TASK_STATE_SHUTDOWN, WAIT);
    await().atMost(WAIT).until(() -> !manager.taskIds().contains("t1"));
    assertThat(executor.stopGrace("t1")).contains(TaskManager.DEFAULT_STOP_GRACE);
    assertThat(executor.steps("t1")).endsWith(Step.STOP, Step.REMOVE);
    assertThat(manager.logs("t1")).isEmpty();
    assertThat(executor.isRunning("t2")).isTrue();

    manager.reconcile(List.of(TestTasks.running("t1", "sleep"), TestTasks.running("t2", "x")));
    assertThat(executor.steps("t1")).containsOnlyOnce(Step.CREATE);
  }

  @Test
  void anEndedTaskLeavingTheSetIsRemovedWithoutAnotherStatus() {
    manager.reconcile(List.of(TestTasks.running("t1", "true")));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);
    executor.exit("t1", 0);
    listener.await("t1", TASK_STATE_COMPLETE, WAIT);

    manager.reconcile(List.of());

    await().atMost(WAIT).until(() -> executor.steps("t1").contains(Step.REMOVE));
    assertThat(listener.last("t1").map(TaskStatus::getState)).contains(TASK_STATE_COMPLETE);
  }

  @Test
  void aNewTaskAlreadyDesiredShutdownIsReportedShutdownWithoutRunning() {
    manager.reconcile(List.of(TestTasks.shutdown(TestTasks.running("t1", "x"))));

    listener.await("t1", TASK_STATE_SHUTDOWN, WAIT);
    assertThat(listener.states("t1")).containsExactly(TASK_STATE_SHUTDOWN);
    assertThat(executor.steps("t1")).isEmpty();
  }

  @Test
  void aTaskTheManagerSawRunningButThisNodeDoesNotRunIsReportedLost() {
    Task task = TestTasks.withStatus(TestTasks.running("t1", "x"), TASK_STATE_RUNNING);
    manager.reconcile(List.of(task));

    TaskStatus failed = listener.await("t1", TASK_STATE_FAILED, WAIT);
    assertThat(failed.getError()).contains("lost");
    assertThat(listener.states("t1")).containsExactly(TASK_STATE_FAILED);
    assertThat(executor.steps("t1")).isEmpty();
  }

  @Test
  void tasksTheManagerSeesEndedOrNotYetDueAreLeftAlone() {
    Task done = TestTasks.withStatus(TestTasks.running("t1", "x"), TASK_STATE_COMPLETE);
    Task notYet =
        TestTasks.running("t2", "x").toBuilder()
            .setDesiredState(TaskState.TASK_STATE_ASSIGNED)
            .build();
    manager.reconcile(List.of(done, notYet));

    assertThat(manager.taskIds()).isEmpty();
    assertThat(executor.calls()).isEmpty();
    assertThat(listener.statuses("t1")).isEmpty();
  }

  @Test
  void statusesStayAheadOfWhatTheManagerKnows() {
    Task task = TestTasks.withStatus(TestTasks.running("t1", "x"), TaskState.TASK_STATE_ASSIGNED);
    manager.reconcile(List.of(task));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);
    executor.exit("t1", 0);
    listener.await("t1", TASK_STATE_COMPLETE, WAIT);

    assertThat(listener.statuses("t1"))
        .extracting(TaskStatus::getStateValue)
        .isSorted()
        .doesNotHaveDuplicates()
        .allSatisfy(state -> assertThat(state).isGreaterThan(TaskState.TASK_STATE_ASSIGNED_VALUE));
  }

  @Test
  void anUnsafeTaskIdIsRejectedBeforeTheExecutorSeesIt() {
    manager.reconcile(List.of(TestTasks.running("../../etc", "x")));

    assertThat(listener.await("../../etc", TASK_STATE_REJECTED, WAIT).getError())
        .isEqualTo("invalid task id");
    assertThat(executor.calls()).isEmpty();
  }

  @Test
  void aFailingListenerDoesNotStopTheLifecycle() {
    List<TaskStatus> seen = new CopyOnWriteArrayList<>();
    manager.close();
    manager =
        new TaskManager(
            executor,
            tmp.resolve("tasks"),
            (id, status) -> {
              seen.add(status);
              throw new IllegalStateException("listener broke");
            },
            clock);
    manager.reconcile(List.of(TestTasks.running("t1", "x")));
    await().atMost(WAIT).until(() -> executor.isRunning("t1"));
    executor.exit("t1", 0);

    await().atMost(WAIT).until(() -> seen.size() == 5);
  }

  @Test
  void passesTheSecretsDirectoryAndReleasesItOnRemoval() {
    Path secretsDir = tmp.resolve("secrets/t1");
    List<String> released = new CopyOnWriteArrayList<>();
    TaskSecrets secrets =
        new TaskSecrets() {
          @Override
          public Optional<Path> materialise(Task task) {
            return Optional.of(secretsDir);
          }

          @Override
          public void release(String taskId) {
            released.add(taskId);
          }
        };
    manager.close();
    manager =
        new TaskManager(
            executor,
            tmp.resolve("tasks"),
            listener,
            clock,
            Thread.ofVirtual().factory(),
            secrets);
    manager.reconcile(List.of(TestTasks.running("t1", "x")));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);
    assertThat(executor.context("t1").orElseThrow().secretsDir()).contains(secretsDir);

    manager.reconcile(List.of());

    await().atMost(WAIT).until(() -> released.contains("t1"));
  }

  @Test
  void closeStopsAndRemovesEverythingAndIgnoresLaterAssignments() {
    manager.reconcile(List.of(TestTasks.running("t1", "a"), TestTasks.running("t2", "b")));
    listener.await("t1", TASK_STATE_RUNNING, WAIT);
    listener.await("t2", TASK_STATE_RUNNING, WAIT);

    manager.close();

    assertThat(listener.last("t1").map(TaskStatus::getState)).contains(TASK_STATE_SHUTDOWN);
    assertThat(listener.last("t2").map(TaskStatus::getState)).contains(TASK_STATE_SHUTDOWN);
    assertThat(executor.steps("t1")).endsWith(Step.STOP, Step.REMOVE);
    assertThat(executor.steps("t2")).endsWith(Step.STOP, Step.REMOVE);
    assertThat(manager.taskIds()).isEmpty();

    manager.reconcile(List.of(TestTasks.running("t3", "c")));
    assertThat(manager.taskIds()).isEmpty();
  }
}
