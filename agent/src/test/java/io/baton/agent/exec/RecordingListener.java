package io.baton.agent.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;

/** Records the statuses a TaskManager reports; checks they only move forward. */
public final class RecordingListener implements StatusListener {
  private final Map<String, List<TaskStatus>> statuses = new ConcurrentHashMap<>();
  private final List<String> violations = new ArrayList<>();

  @Override
  public void onStatus(String taskId, TaskStatus status) {
    List<TaskStatus> history = statuses.computeIfAbsent(taskId, id -> new ArrayList<>());
    synchronized (history) {
      if (!history.isEmpty()
          && history.getLast().getStateValue() >= status.getStateValue()) {
        synchronized (violations) {
          violations.add(taskId + ": " + history.getLast().getState() + " -> " + status.getState());
        }
      }
      history.add(status);
    }
  }

  /** The statuses reported for the task, in order. */
  public List<TaskStatus> statuses(String taskId) {
    List<TaskStatus> history = statuses.getOrDefault(taskId, List.of());
    synchronized (history) {
      return List.copyOf(history);
    }
  }

  /** The states reported for the task, in order. */
  public List<TaskState> states(String taskId) {
    return statuses(taskId).stream().map(TaskStatus::getState).toList();
  }

  /** The last status reported for the task. */
  public Optional<TaskStatus> last(String taskId) {
    List<TaskStatus> history = statuses(taskId);
    return history.isEmpty() ? Optional.empty() : Optional.of(history.getLast());
  }

  /** Waits until the task has reported {@code state}; returns that status. */
  public TaskStatus await(String taskId, TaskState state, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> states(taskId).contains(state));
    return statuses(taskId).stream().filter(s -> s.getState() == state).findFirst().orElseThrow();
  }

  /** Asserts no task ever reported a state not beyond its previous one. */
  public void assertOnlyForward() {
    synchronized (violations) {
      assertThat(violations).as("backward or repeated transitions").isEmpty();
    }
  }
}
