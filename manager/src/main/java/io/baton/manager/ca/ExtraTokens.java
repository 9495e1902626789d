package io.baton.manager.ca;

import io.baton.api.Cluster;
import io.baton.api.ExtraJoinToken;
import io.baton.api.JoinTokenInfo;
import io.baton.ca.JoinToken;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Optional;

/**
 * The rules of extra join tokens (those that expire or allow a limited number of joins), over the
 * cluster object that holds them. A token is usable until it expires and while it has uses left;
 * a use is counted in the same store write that adds the joined node, so the optimistic store
 * transaction makes the count exact under concurrent joins. Pure functions.
 */
public final class ExtraTokens {
  private ExtraTokens() {}

  /** The usable extra token {@code presented} is, if any; secrets are compared in constant time. */
  public static Optional<ExtraJoinToken> match(Cluster cluster, JoinToken presented, Instant now) {
    if (!presented.caDigest().equals(cluster.getRootCa().getDigest())) {
      return Optional.empty();
    }
    byte[] hash = presented.secretSha256();
    ExtraJoinToken found = null;
    for (ExtraJoinToken token : cluster.getExtraJoinTokensList()) {
      if (MessageDigest.isEqual(hash, token.getSecretSha256().toByteArray()) && usable(token, now)) {
        found = token;
      }
    }
    return Optional.ofNullable(found);
  }

  /** True if the token has not expired and has uses left. */
  public static boolean usable(ExtraJoinToken token, Instant now) {
    boolean expired = token.getExpiresAtMs() != 0 && token.getExpiresAtMs() <= now.toEpochMilli();
    boolean exhausted = token.getMaxUses() != 0 && token.getUses() >= token.getMaxUses();
    return !expired && !exhausted;
  }

  /**
   * {@code cluster} after one join with token {@code id}: its use counted, and the token dropped
   * once it has no use left; expired tokens are dropped too. Empty if the token is gone, expired
   * or used up (a concurrent join took its last use).
   */
  public static Optional<Cluster> consume(Cluster cluster, String id, Instant now) {
    Cluster.Builder next = cluster.toBuilder().clearExtraJoinTokens();
    boolean consumed = false;
    for (ExtraJoinToken token : cluster.getExtraJoinTokensList()) {
      if (!usable(token, now)) {
        continue;
      }
      if (token.getId().equals(id)) {
        consumed = true;
        ExtraJoinToken used = token.toBuilder().setUses(token.getUses() + 1).build();
        if (usable(used, now)) {
          next.addExtraJoinTokens(used);
        }
      } else {
        next.addExtraJoinTokens(token);
      }
    }
    return consumed ? Optional.of(next.build()) : Optional.empty();
  }

  /** What the control API shows of a token: never its secret or hash. */
  public static JoinTokenInfo info(ExtraJoinToken token) {
    return JoinTokenInfo.newBuilder()
        .setId(token.getId())
        .setRole(token.getRole())
        .setExpiresAtMs(token.getExpiresAtMs())
        .setLimited(token.getMaxUses() != 0)
        .setRemainingUses(token.getMaxUses() == 0 ? 0 : token.getMaxUses() - token.getUses())
        .build();
  }
}
