package io.baton.node;

import io.baton.agent.AgentConfig;
import io.baton.manager.auth.BootstrapRateLimiter;
import io.baton.manager.dispatcher.DispatcherConfig;
import java.time.Clock;

/**
 * Process-wide tunables of a node; production uses {@link #defaults()}, tests shorten timings.
 *
 * @param hostname the hostname the node reports, or null to detect it
 */
public record NodeSettings(
    Clock clock,
    DispatcherConfig dispatcher,
    AgentConfig agent,
    BootstrapRateLimiter.Config rateLimits,
    String hostname) {

  public static NodeSettings defaults() {
    return new NodeSettings(
        Clock.systemUTC(), DispatcherConfig.defaults(), AgentConfig.defaults(),
        BootstrapRateLimiter.Config.defaults(), null);
  }

  public NodeSettings withHostname(String name) {
    return new NodeSettings(clock, dispatcher, agent, rateLimits, name);
  }
}
