package io.baton.manager.dispatcher;

import java.time.Duration;

/**
 * Dispatcher tunables.
 *
 * @param defaultHeartbeatPeriod period used when the cluster spec sets none; 5 s as in Swarm: short
 *     enough to notice a dead node in ~15 s, long enough that thousands of nodes cost little
 * @param graceMultiplier missed periods after which a node is marked down (3, so one lost packet or
 *     a GC pause never flaps a node); a node whose session connection closed gets one period
 * @param unknownMultiplier periods a node known from before a manager restart gets to reconnect
 *     before it is marked down (6: twice the normal grace, as reconnects queue up after a restart)
 * @param maxRegistrations session registrations one node may make per {@code registrationWindow}
 *     (3 per 8 s), so a misbehaving agent cannot churn the store
 * @param expiryCheckInterval how often deadlines are checked
 * @param pushBatchWindow how long store changes are gathered before each node affected is sent one
 *     message with all of them (50 ms: a burst of task changes makes few messages, and a change
 *     still reaches its node well within a heartbeat period); zero sends at once
 */
public record DispatcherConfig(
    Duration defaultHeartbeatPeriod,
    int graceMultiplier,
    int unknownMultiplier,
    int maxRegistrations,
    Duration registrationWindow,
    Duration expiryCheckInterval,
    Duration pushBatchWindow) {

  public DispatcherConfig {
    if (defaultHeartbeatPeriod.toMillis() < 10 || graceMultiplier < 1 || unknownMultiplier < 1
        || maxRegistrations < 1 || registrationWindow.isNegative()
        || expiryCheckInterval.toMillis() < 1
        || pushBatchWindow.isNegative() || pushBatchWindow.compareTo(defaultHeartbeatPeriod) >= 0) {
      throw new IllegalArgumentException("invalid dispatcher configuration");
    }
  }

  public static DispatcherConfig defaults() {
    return new DispatcherConfig(
        Duration.ofSeconds(5), 3, 6, 3, Duration.ofSeconds(8), Duration.ofMillis(200),
        Duration.ofMillis(50));
  }
}
