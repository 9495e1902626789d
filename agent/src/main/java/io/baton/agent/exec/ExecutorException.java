package io.baton.agent.exec;

/**
 * Why an executor could not create, prepare or start a task. The message is user-facing: it is
 * reported to the manager as the task's error and shown by {@code baton service ps}, so it names
 * the cause in a few words ("command not found: foo", "image not found") and never carries secret
 * values.
 */
public final class ExecutorException extends Exception {
  public ExecutorException(String message) {
    super(message);
  }

  public ExecutorException(String message, Throwable cause) {
    super(message, cause);
  }
}
