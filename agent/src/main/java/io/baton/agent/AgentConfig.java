package io.baton.agent;

import java.time.Duration;

/**
 * Agent tunables.
 *
 * @param rpcTimeout deadline of each heartbeat or renewal call (5 s, as Swarm's dispatcher RPCs)
 * @param minBackoff first reconnect delay after a lost session (fast, so a restarted manager is
 *     picked up within a heartbeat)
 * @param maxBackoff longest reconnect delay (5 s; capped so a node comes back quickly once a
 *     manager is reachable again)
 * @param renewalRetryMax longest delay between failed renewal attempts
 */
public record AgentConfig(Duration rpcTimeout, Duration minBackoff, Duration maxBackoff, Duration renewalRetryMax) {
  public AgentConfig {
    if (rpcTimeout.toMillis() < 1 || minBackoff.toMillis() < 1 || maxBackoff.compareTo(minBackoff) < 0
        || renewalRetryMax.toMillis() < 1) {
      throw new IllegalArgumentException("invalid agent configuration");
    }
  }

  public static AgentConfig defaults() {
    return new AgentConfig(Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofMinutes(5));
  }
}
