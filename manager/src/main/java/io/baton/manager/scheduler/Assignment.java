package io.baton.manager.scheduler;

import java.util.Objects;

/**
 * A decision to run a task on a node.
 *
 * @param taskId the task placed
 * @param nodeId the node chosen for it
 */
public record Assignment(String taskId, String nodeId) {
  public Assignment {
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(nodeId, "nodeId");
  }
}
