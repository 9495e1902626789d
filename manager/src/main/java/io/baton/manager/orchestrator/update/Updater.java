package io.baton.manager.orchestrator.update;

import io.baton.api.FailureAction;
import io.baton.api.Service;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.UpdateConfig;
import io.baton.api.UpdateOrder;
import io.baton.api.UpdateState;
import io.baton.api.UpdateStatus;
import io.baton.manager.orchestrator.TaskFactory;
import io.baton.manager.orchestrator.TaskStates;
import io.baton.manager.orchestrator.Writes;
import io.baton.store.Tx;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rolls a replicated service's slots from an older spec version to the current one, as its update
 * config says: {@code parallelism} slots at a time, {@code delay} after each new task runs,
 * stop-first (the old task stops, then the replica reconciler starts the new one) or start-first
 * (the new task starts, and the reconciler stops the old one once the new runs). New tasks that
 * fail within {@code monitor} count as failures; above {@code max_failure_ratio} the failure
 * action applies: pause, continue, or roll back to the previous spec.
 */
public final class Updater {
  private final TaskFactory tasks;

  public Updater(TaskFactory tasks) {
    this.tasks = tasks;
  }

  /** Moves the service's update forward by what is allowed now. */
  public void advance(Tx tx, Service service, Map<Long, List<Task>> slots, long nowMs, Writes writes) {
    UpdateState state = service.getUpdateStatus().getState();
    if (state != UpdateState.UPDATE_STATE_UPDATING && state != UpdateState.UPDATE_STATE_ROLLBACK_STARTED) {
      return;
    }
    boolean rollingBack = state == UpdateState.UPDATE_STATE_ROLLBACK_STARTED;
    UpdateConfig config = rollingBack ? service.getSpec().getRollback() : service.getSpec().getUpdate();
    long replicas = service.getSpec().getReplicated().getReplicas();
    long version = service.getTaskVersion();
    long started = service.getUpdateStatus().getStartedAtMs();

    List<Task> fresh = slots.values().stream().flatMap(List::stream)
        .filter(t -> t.getSpecVersion() == version && t.getSlot() <= replicas).toList();
    long failed = fresh.stream()
        .filter(t -> TaskStates.isFailure(t.getStatus().getState()))
        .filter(t -> config.getMonitorMs() == 0
            || t.getStatus().getTimestampMs() - t.getMeta().getCreatedAtMs() <= config.getMonitorMs())
        .count();
    if (!rollingBack && failed > 0 && config.getFailureAction() != FailureAction.FAILURE_ACTION_CONTINUE
        && (double) failed / Math.max(1, fresh.size()) > config.getMaxFailureRatio()) {
      fail(tx, service, config, failed, nowMs);
      return;
    }

    int inFlight = 0;
    long lastRunningAt = Long.MIN_VALUE;
    List<Long> stale = new java.util.ArrayList<>();
    for (long slot = 1; slot <= replicas; slot++) {
      Optional<Task> current = current(slots.getOrDefault(slot, List.of()));
      if (current.isEmpty()) {
        continue;
      }
      Task task = current.get();
      if (task.getSpecVersion() == version) {
        boolean oldStillStopping = slots.get(slot).stream()
            .anyMatch(t -> t != task && !TaskStates.isTerminal(t.getStatus().getState()));
        if (task.getStatus().getState() == TaskState.TASK_STATE_RUNNING && !oldStillStopping) {
          lastRunningAt = Math.max(lastRunningAt, task.getStatus().getTimestampMs());
        } else if (TaskStates.isLive(task)) {
          inFlight++;
        }
      } else if (TaskStates.isLive(task)) {
        stale.add(slot);
      } else {
        inFlight++;
      }
    }
    if (stale.isEmpty() && inFlight == 0) {
      complete(tx, service, rollingBack, nowMs);
      return;
    }
    int parallelism = config.getParallelism() == 0 ? Integer.MAX_VALUE : config.getParallelism();
    if (lastRunningAt != Long.MIN_VALUE && nowMs < lastRunningAt + config.getDelayMs() && inFlight == 0
        && config.getDelayMs() > 0 && lastRunningAt >= started) {
      return;
    }
    for (long slot : stale) {
      if (inFlight >= parallelism || writes.full()) {
        return;
      }
      Task old = current(slots.get(slot)).orElseThrow();
      if (config.getOrder() == UpdateOrder.UPDATE_ORDER_START_FIRST) {
        writes.put(tasks.create(service, slot, "", nowMs, "updates task " + old.getId()));
      } else {
        writes.shutdown(old, rollingBack ? "rolling back" : "updating to spec version " + version, nowMs);
      }
      inFlight++;
    }
  }

  private void fail(Tx tx, Service service, UpdateConfig config, long failed, long nowMs) {
    String why = failed + " updated task(s) failed";
    if (config.getFailureAction() == FailureAction.FAILURE_ACTION_ROLLBACK && service.hasPreviousSpec()) {
      tx.put(service.toBuilder()
          .setSpec(service.getPreviousSpec())
          .setPreviousSpec(service.getSpec())
          .setSpecVersion(service.getSpecVersion() + 1)
          .setTaskVersion(service.getTaskVersion() + 1)
          .setUpdateStatus(UpdateStatus.newBuilder()
              .setState(UpdateState.UPDATE_STATE_ROLLBACK_STARTED)
              .setStartedAtMs(nowMs)
              .setMessage("update failed (" + why + "); rolling back"))
          .build());
      return;
    }
    tx.put(service.toBuilder()
        .setUpdateStatus(service.getUpdateStatus().toBuilder()
            .setState(UpdateState.UPDATE_STATE_PAUSED)
            .setMessage("update paused: " + why))
        .build());
  }

  private void complete(Tx tx, Service service, boolean rollingBack, long nowMs) {
    tx.put(service.toBuilder()
        .setUpdateStatus(service.getUpdateStatus().toBuilder()
            .setState(rollingBack ? UpdateState.UPDATE_STATE_ROLLBACK_COMPLETED : UpdateState.UPDATE_STATE_COMPLETED)
            .setCompletedAtMs(nowMs)
            .setMessage(rollingBack ? "rollback completed" : "update completed"))
        .build());
  }

  /** The newest task of a slot. */
  public static Optional<Task> current(List<Task> slotTasks) {
    return slotTasks.stream()
        .max(Comparator.comparingLong((Task t) -> t.getMeta().getCreatedAtMs()).thenComparing(Task::getId));
  }
}
