package io.baton.manager.orchestrator;

import io.baton.api.RestartPolicy;
import io.baton.api.Task;
import io.baton.api.TaskState;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * What happens to a slot (or a global service's node) whose current task is no longer live: a task
 * the orchestrators stopped (shut down, orphaned) is replaced at once; one that ended on its own is
 * marked done and replaced as the restart policy says.
 */
public final class RestartSupervisor {
  private RestartSupervisor() {}

  /**
   * Handles a slot's current task that is not live.
   *
   * @param mayReplace false when no new task may be placed (e.g. a paused node)
   * @param replacement makes the replacement task
   * @return the time a delayed restart is due, if one is pending
   */
  public static OptionalLong afterEnd(
      RestartPolicy policy,
      Task current,
      List<Task> slotTasks,
      boolean mayReplace,
      long nowMs,
      Writes writes,
      Supplier<Task> replacement) {
    TaskState ended = current.getStatus().getState();
    if (!TaskStates.isTerminal(ended)) {
      return OptionalLong.empty();
    }
    if (current.getDesiredState().getNumber() <= TaskState.TASK_STATE_RUNNING_VALUE) {
      writes.shutdown(current, current.getStatus().getMessage(), nowMs);
    }
    if (!mayReplace) {
      return OptionalLong.empty();
    }
    if (ended == TaskState.TASK_STATE_SHUTDOWN || ended == TaskState.TASK_STATE_ORPHANED) {
      writes.put(replacement.get());
      return OptionalLong.empty();
    }
    return switch (RestartDecision.decide(policy, current, slotTasks, nowMs)) {
      case RestartDecision.Now now -> {
        writes.put(replacement.get());
        yield OptionalLong.empty();
      }
      case RestartDecision.Later later -> OptionalLong.of(later.atMs());
      case RestartDecision.Never never -> OptionalLong.empty();
    };
  }
}
