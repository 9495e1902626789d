package io.baton.manager.scheduler;

import java.util.Objects;

/**
 * A task no node can take now; it stays pending and is tried again on the next pass.
 *
 * @param taskId the task left pending
 * @param reason why, for the task's status message (e.g. {@code no suitable node (scheduling
 *     constraints not satisfied on 3 nodes; insufficient resources on 1 node)})
 */
public record Unschedulable(String taskId, String reason) {
  public Unschedulable {
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(reason, "reason");
  }
}
