package io.baton.agent.exec;

import io.baton.api.ContainerSpec;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import java.util.List;

/** Tasks as the dispatcher would assign them. */
public final class TestTasks {
  private TestTasks() {}

  /** A task assigned to this node, desired RUNNING, running {@code command}. */
  public static Task running(String id, String... command) {
    return task(id, ContainerSpec.newBuilder().addAllCommand(List.of(command)).build());
  }

  /** A task assigned to this node, desired RUNNING, with this container spec. */
  public static Task task(String id, ContainerSpec container) {
    return Task.newBuilder()
        .setId(id)
        .setServiceId("svc1")
        .setServiceName("web")
        .setSlot(2)
        .setNodeId("node1")
        .setSpec(TaskSpec.newBuilder().setContainer(container.toBuilder().setImage("busybox")))
        .setDesiredState(TaskState.TASK_STATE_RUNNING)
        .setStatus(TaskStatus.newBuilder().setState(TaskState.TASK_STATE_ASSIGNED))
        .build();
  }

  /** The same task with its stop grace period set. */
  public static Task withGrace(Task task, long graceMs) {
    Task.Builder builder = task.toBuilder();
    builder.getSpecBuilder().getContainerBuilder().setStopGracePeriodMs(graceMs);
    return builder.build();
  }

  /** The same task, desired SHUTDOWN. */
  public static Task shutdown(Task task) {
    return task.toBuilder().setDesiredState(TaskState.TASK_STATE_SHUTDOWN).build();
  }

  /** The same task as the manager sees it in {@code state}. */
  public static Task withStatus(Task task, TaskState state) {
    return task.toBuilder().setStatus(TaskStatus.newBuilder().setState(state)).build();
  }
}
