package io.baton.agent.exec;

import io.baton.api.TaskStatus;

/**
 * Receives the task statuses a {@link TaskManager} reports, to be forwarded to the manager.
 *
 * <p>Per task, calls come from one thread at a time and only with forward states (each state's
 * number higher than the last one reported or known from the manager). Calls for different tasks
 * come concurrently. A listener must not block for long and must not call back into the {@link
 * TaskManager} on the calling thread; exceptions it throws are logged and ignored.
 */
@FunctionalInterface
public interface StatusListener {
  void onStatus(String taskId, TaskStatus status);
}
