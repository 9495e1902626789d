package io.baton.manager.orchestrator;

import io.baton.api.Service;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import io.baton.ca.Identifiers;
import java.security.SecureRandom;

/** Makes the tasks orchestrators create: ids chosen here (the proposer), never in apply code. */
public final class TaskFactory {
  private final SecureRandom random;

  public TaskFactory(SecureRandom random) {
    this.random = random;
  }

  /** A new pending task for a slot of a replicated service (slot > 0) or for a node (global). */
  public Task create(Service service, long slot, String nodeId, long nowMs, String reason) {
    return Task.newBuilder()
        .setId(Identifiers.newId(random))
        .setServiceId(service.getId())
        .setServiceName(service.getSpec().getName())
        .setSlot(slot)
        .setNodeId(nodeId)
        .setSpec(service.getSpec().getTask())
        .setSpecVersion(service.getTaskVersion())
        .setDesiredState(TaskState.TASK_STATE_RUNNING)
        .setStatus(TaskStatus.newBuilder()
            .setState(nodeId.isEmpty() ? TaskState.TASK_STATE_PENDING : TaskState.TASK_STATE_ASSIGNED)
            .setTimestampMs(nowMs)
            .setMessage(reason))
        .build();
  }
}
