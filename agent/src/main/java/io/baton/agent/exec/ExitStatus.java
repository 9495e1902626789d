package io.baton.agent.exec;

import java.util.Objects;

/**
 * How a task's workload ended.
 *
 * @param exitCode the process's exit code; 128 + n when it was killed by signal n
 * @param message a one-line, user-facing description, e.g. "task exited with code 3"
 */
public record ExitStatus(int exitCode, String message) {
  public ExitStatus {
    Objects.requireNonNull(message, "message");
  }

  /** Whether the workload ended with exit code 0. */
  public boolean succeeded() {
    return exitCode == 0;
  }
}
