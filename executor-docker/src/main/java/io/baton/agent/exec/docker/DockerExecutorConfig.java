package io.baton.agent.exec.docker;

import io.baton.agent.exec.LogBuffer;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@link DockerExecutor}, with their defaults and range checks in one place.
 *
 * @param dockerHost dockerd's API endpoint; only {@code unix://} sockets are accepted, so the
 *     executor never talks to a daemon over an unauthenticated TCP port
 * @param nodeId this node's id: every container is labelled with it, and {@link
 *     DockerExecutor#reclaimLeftovers} removes exactly the containers that carry it
 * @param logBytesPerTask cap of each task's {@link LogBuffer}
 * @param logDrainTimeout how long {@code awaitExit} waits, after the container died, for the rest
 *     of its output to arrive
 * @param reconnectDelay pause between attempts to reopen the events stream after dockerd dropped it
 * @param reclaimGrace grace a container left by an earlier run of the agent gets between SIGTERM
 *     and SIGKILL
 * @param pullTimeout how long pulling a missing image may take before the task is rejected
 * @param maxConcurrentStarts container creates and starts sent to dockerd at once; more wait their
 *     turn, so a burst of tasks is started in a steady stream instead of all at once
 */
public record DockerExecutorConfig(
    URI dockerHost,
    String nodeId,
    int logBytesPerTask,
    Duration logDrainTimeout,
    Duration reconnectDelay,
    Duration reclaimGrace,
    Duration pullTimeout,
    int maxConcurrentStarts) {
  /**
   * Creates and starts in flight at once by default. A start's work (containerd shim, runc, network
   * namespace) is dockerd's and CPU-bound: on this project's 2-core machine 50 starts took as long 4
   * at a time as 50 at once, and half again as long one by one. A bound of a few keeps dockerd
   * saturated while leaving it free to answer stops and inspects during a burst.
   */
  public static final int DEFAULT_MAX_CONCURRENT_STARTS = 8;

  /** Where dockerd listens on a stock Debian install. */
  public static final URI DEFAULT_HOST = URI.create("unix:///var/run/docker.sock");

  public DockerExecutorConfig {
    Objects.requireNonNull(dockerHost, "dockerHost");
    Objects.requireNonNull(nodeId, "nodeId");
    if (!"unix".equals(dockerHost.getScheme()) || dockerHost.getPath() == null
        || dockerHost.getPath().isEmpty()) {
      throw new IllegalArgumentException("docker host must be unix:///path/to/docker.sock: " + dockerHost);
    }
    if (nodeId.isBlank()) {
      throw new IllegalArgumentException("nodeId must not be blank");
    }
    if (logBytesPerTask < LogBuffer.MIN_MAX_BYTES) {
      throw new IllegalArgumentException("logBytesPerTask below " + LogBuffer.MIN_MAX_BYTES);
    }
    requirePositive(logDrainTimeout, "logDrainTimeout");
    requirePositive(reconnectDelay, "reconnectDelay");
    requirePositive(pullTimeout, "pullTimeout");
    if (maxConcurrentStarts < 1) {
      throw new IllegalArgumentException("maxConcurrentStarts must be at least 1");
    }
    Objects.requireNonNull(reclaimGrace, "reclaimGrace");
    if (reclaimGrace.isNegative()) {
      throw new IllegalArgumentException("reclaimGrace must not be negative");
    }
  }

  /** Defaults for {@code nodeId} on the stock socket. */
  public static DockerExecutorConfig defaults(String nodeId) {
    return new DockerExecutorConfig(
        DEFAULT_HOST,
        nodeId,
        LogBuffer.DEFAULT_MAX_BYTES,
        Duration.ofSeconds(2),
        Duration.ofSeconds(1),
        Duration.ofSeconds(5),
        Duration.ofMinutes(10),
        DEFAULT_MAX_CONCURRENT_STARTS);
  }

  /** The same settings against another socket. */
  public DockerExecutorConfig withDockerHost(URI host) {
    return new DockerExecutorConfig(
        host,
        nodeId,
        logBytesPerTask,
        logDrainTimeout,
        reconnectDelay,
        reclaimGrace,
        pullTimeout,
        maxConcurrentStarts);
  }

  /** The same settings with another bound on concurrent creates and starts. */
  public DockerExecutorConfig withMaxConcurrentStarts(int max) {
    return new DockerExecutorConfig(
        dockerHost, nodeId, logBytesPerTask, logDrainTimeout, reconnectDelay, reclaimGrace, pullTimeout, max);
  }

  private static void requirePositive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
