package io.baton.manager.orchestrator;

import io.baton.api.RestartCondition;
import io.baton.api.RestartPolicy;
import io.baton.api.Task;
import java.util.List;

/** What a service's restart policy says about a slot whose current task has ended. */
public sealed interface RestartDecision {
  /** Start a replacement now. */
  record Now() implements RestartDecision {}

  /** Start a replacement at {@code atMs} (the restart delay has not passed). */
  record Later(long atMs) implements RestartDecision {}

  /** Leave the slot empty. */
  record Never(String reason) implements RestartDecision {}

  /**
   * Decides for a slot.
   *
   * @param ended the slot's current task, in a terminal state
   * @param slotTasks every task of the slot (for counting attempts in the window)
   */
  static RestartDecision decide(RestartPolicy policy, Task ended, List<Task> slotTasks, long nowMs) {
    RestartCondition condition = policy.getCondition() == RestartCondition.RESTART_CONDITION_UNSPECIFIED
        ? RestartCondition.RESTART_CONDITION_ANY
        : policy.getCondition();
    boolean failed = TaskStates.isFailure(ended.getStatus().getState());
    if (condition == RestartCondition.RESTART_CONDITION_NONE) {
      return new Never("restart policy is none");
    }
    if (condition == RestartCondition.RESTART_CONDITION_ON_FAILURE && !failed) {
      return new Never("task completed and the restart policy is on-failure");
    }
    if (policy.getMaxAttempts() > 0) {
      long since = policy.getWindowMs() > 0 ? nowMs - policy.getWindowMs() : Long.MIN_VALUE;
      long attempts = slotTasks.stream()
          .filter(t -> t.getMeta().getCreatedAtMs() >= since)
          .filter(t -> TaskStates.isTerminal(t.getStatus().getState()))
          .count();
      if (attempts > policy.getMaxAttempts()) {
        return new Never("restart policy allows " + policy.getMaxAttempts() + " attempts");
      }
    }
    long at = ended.getStatus().getTimestampMs() + policy.getDelayMs();
    return at <= nowMs ? new Now() : new Later(at);
  }
}
