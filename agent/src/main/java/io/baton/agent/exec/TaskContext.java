package io.baton.agent.exec;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the agent gives an executor besides the task itself.
 *
 * @param workDir the task's private working directory: absolute, chosen by the agent, created by the
 *     runner's {@link TaskRunner#prepare()} and deleted by its {@link TaskRunner#remove()}
 * @param secretsDir where the agent has materialised the task's secrets (on tmpfs, one file per
 *     secret), if it references any. Secrets reach a workload only as files under this directory,
 *     never as environment variables; the agent owns the directory and removes it when the task
 *     is removed
 * @param extraEnv environment entries the agent adds for every task (no secrets, by the rule
 *     above); they override the task spec's entries
 */
public record TaskContext(Path workDir, Optional<Path> secretsDir, Map<String, String> extraEnv) {
  public TaskContext {
    Objects.requireNonNull(workDir, "workDir");
    Objects.requireNonNull(secretsDir, "secretsDir");
    if (!workDir.isAbsolute()) {
      throw new IllegalArgumentException("workDir must be absolute: " + workDir);
    }
    workDir = workDir.normalize();
    extraEnv = Map.copyOf(extraEnv);
  }

  /** A context with no secrets and no extra environment. */
  public static TaskContext of(Path workDir) {
    return new TaskContext(workDir, Optional.empty(), Map.of());
  }
}
