package io.baton.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.agent.exec.FakeExecutor;
import io.baton.agent.exec.TaskManager;
import io.baton.agent.exec.TestTasks;
import io.baton.api.Task;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FenceTest {
  private static final Duration AFTER = Duration.ofMillis(500);
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir Path tmp;
  private final Clock clock = Clock.systemUTC();
  private final FakeExecutor executor = new FakeExecutor(clock);
  private final AtomicReference<Instant> lastContact = new AtomicReference<>(clock.instant());
  private TaskManager tasks;
  private Fence fence;

  @BeforeEach
  void setUp() {
    tasks = new TaskManager(executor, tmp.resolve("tasks"), (id, status) -> {}, clock);
    fence = new Fence(AFTER, lastContact::get, tasks, clock);
  }

  @AfterEach
  void tearDown() {
    fence.close();
    tasks.close();
  }

  @Test
  void aCutOffNodeStopsItsTasksAndStartsNoneUntilItsSessionIsLiveAgain() {
    Task first = TestTasks.running("t1", "sleep", "300");
    fence.apply(List.of(first));
    await().atMost(WAIT).until(() -> executor.isRunning("t1"));

    lastContact.set(clock.instant().minusSeconds(10));
    await().atMost(WAIT).until(() -> fence.fenced() && !executor.isRunning("t1"));

    // A message buffered on the wire during the partition arrives when it heals: held back.
    Task stale = TestTasks.running("t2", "sleep", "300");
    fence.apply(List.of(stale));
    await().during(Duration.ofMillis(600)).atMost(WAIT).until(() -> executor.steps("t2").isEmpty());

    // The manager's fresh set (a new session) arrives, then the session proves live: only it runs.
    Task fresh = TestTasks.running("t3", "sleep", "300");
    fence.apply(List.of(fresh));
    lastContact.set(clock.instant());
    await().atMost(WAIT).until(() -> !fence.fenced() && executor.isRunning("t3"));
    assertThat(executor.steps("t2")).isEmpty();
    assertThat(tasks.taskIds()).containsExactly("t3");
  }

  @Test
  void aLiveSessionNeverFences() {
    fence.apply(List.of(TestTasks.running("t1", "sleep", "300")));
    await().atMost(WAIT).until(() -> executor.isRunning("t1"));
    long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (System.nanoTime() < until) {
      lastContact.set(clock.instant());
      assertThat(fence.fenced()).isFalse();
      try {
        Thread.sleep(AFTER.dividedBy(Fence.HEARTBEATS_PER_FENCE).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    assertThat(executor.isRunning("t1")).isTrue();
  }
}
