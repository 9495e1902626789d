package io.baton.node;

import io.baton.agent.AgentConfig;
import io.baton.manager.auth.BootstrapRateLimiter;
import io.baton.manager.dispatcher.DispatcherConfig;
import io.baton.manager.Manager;
import io.baton.agent.secrets.TmpfsSecrets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Process-wide tunables of a node; production uses {@link #defaults()}, tests shorten timings.
 *
 * @param hostname the hostname the node reports, or null to detect it
 * @param electionWait how long a manager holds a call while no Raft leader is known
 * @param secretsRoot where the agent mounts the tmpfs of its tasks' secrets, at {@code
 *     <secretsRoot>/<node id>} (several nodes may share a host)
 */
public record NodeSettings(
    Clock clock,
    DispatcherConfig dispatcher,
    AgentConfig agent,
    BootstrapRateLimiter.Config rateLimits,
    String hostname,
    Duration electionWait,
    Path secretsRoot) {

  public static NodeSettings defaults() {
    return new NodeSettings(
        Clock.systemUTC(), DispatcherConfig.defaults(), AgentConfig.defaults(),
        BootstrapRateLimiter.Config.defaults(), null, Manager.Config.DEFAULT_ELECTION_WAIT,
        TmpfsSecrets.DEFAULT_ROOT);
  }

  public NodeSettings withHostname(String name) {
    return new NodeSettings(clock, dispatcher, agent, rateLimits, name, electionWait, secretsRoot);
  }

  public NodeSettings withSecretsRoot(Path root) {
    return new NodeSettings(clock, dispatcher, agent, rateLimits, hostname, electionWait, root);
  }
}
