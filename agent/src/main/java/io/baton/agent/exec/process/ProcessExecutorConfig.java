package io.baton.agent.exec.process;

import io.baton.agent.exec.LogBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@link ProcessExecutor}, with their defaults and range checks.
 *
 * @param cgroupRoot the cgroup v2 hierarchy; task cgroups go under {@code <cgroupRoot>/baton}
 * @param logBytesPerTask cap of each task's {@link LogBuffer}
 * @param logDrainTimeout how long {@code awaitExit} waits, after the task's process ended, for its
 *     last output (a process it left behind may hold the pipes open longer)
 */
public record ProcessExecutorConfig(Path cgroupRoot, int logBytesPerTask, Duration logDrainTimeout) {
  /** Where systemd and most distributions mount the cgroup v2 hierarchy. */
  public static final Path DEFAULT_CGROUP_ROOT = Path.of("/sys/fs/cgroup");

  /** Long enough to read what is left in a pipe, short enough not to delay the task's status. */
  public static final Duration DEFAULT_LOG_DRAIN_TIMEOUT = Duration.ofSeconds(2);

  private static final Duration MAX_LOG_DRAIN_TIMEOUT = Duration.ofMinutes(1);
  private static final int MAX_LOG_BYTES_PER_TASK = 64 << 20;

  public ProcessExecutorConfig {
    Objects.requireNonNull(cgroupRoot, "cgroupRoot");
    Objects.requireNonNull(logDrainTimeout, "logDrainTimeout");
    if (logBytesPerTask < LogBuffer.MIN_MAX_BYTES || logBytesPerTask > MAX_LOG_BYTES_PER_TASK) {
      throw new IllegalArgumentException(
          "logBytesPerTask must be in ["
              + LogBuffer.MIN_MAX_BYTES
              + ", "
              + MAX_LOG_BYTES_PER_TASK
              + "]: "
              + logBytesPerTask);
    }
    if (logDrainTimeout.isNegative() || logDrainTimeout.compareTo(MAX_LOG_DRAIN_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "logDrainTimeout must be in [0, " + MAX_LOG_DRAIN_TIMEOUT + "]: " + logDrainTimeout);
    }
  }

  /** The defaults: cgroups at {@code /sys/fs/cgroup}, 1 MiB of logs per task, 2 s drain. */
  public static ProcessExecutorConfig defaults() {
    return new ProcessExecutorConfig(
        DEFAULT_CGROUP_ROOT, LogBuffer.DEFAULT_MAX_BYTES, DEFAULT_LOG_DRAIN_TIMEOUT);
  }

  /** These settings with another cgroup root. */
  public ProcessExecutorConfig withCgroupRoot(Path root) {
    return new ProcessExecutorConfig(root, logBytesPerTask, logDrainTimeout);
  }
}
