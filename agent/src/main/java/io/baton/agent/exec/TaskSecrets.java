package io.baton.agent.exec;

import io.baton.api.Task;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the {@link TaskManager} gets the directory of a task's secrets (the seam for the agent's
 * tmpfs secret store, DESIGN §4). The directory reaches the executor as {@link
 * TaskContext#secretsDir()}; secrets never reach a task through its environment.
 */
public interface TaskSecrets {
  /**
   * Writes the secrets the task references to a private directory on tmpfs and returns it, or
   * returns empty when the task references none.
   *
   * @throws ExecutorException with a user-facing reason (never a secret's value) when a referenced
   *     secret is not available; the task is then rejected
   */
  Optional<Path> materialise(Task task) throws ExecutorException;

  /** Deletes what {@link #materialise} wrote for the task, if anything. Idempotent. */
  void release(String taskId);

  /** Secrets not supported yet: every task gets no secrets directory. */
  static TaskSecrets none() {
    return new TaskSecrets() {
      @Override
      public Optional<Path> materialise(Task task) {
        return Optional.empty();
      }

      @Override
      public void release(String taskId) {}
    };
  }
}
