package io.baton.agent.secrets;

import io.baton.api.AssignedSecret;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The secret values this node holds in memory: exactly those of its latest assignment set. Each
 * session message, once applied to the session's view (the agent's {@code SessionView}), replaces
 * the whole set, so a secret the manager withdraws is forgotten at once. Values are never logged.
 * Thread-safe.
 */
public final class SecretValues {
  private volatile Map<String, AssignedSecret> byId = Map.of();

  /** Replaces the held set with the secrets of the whole assignment set now held. */
  public void replace(List<AssignedSecret> secrets) {
    byId = secrets.stream().collect(Collectors.toUnmodifiableMap(AssignedSecret::getId, Function.identity(), (a, b) -> a));
  }

  /** The value of the secret with this id, if the current assignment set carries it. */
  public Optional<AssignedSecret> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }
}
