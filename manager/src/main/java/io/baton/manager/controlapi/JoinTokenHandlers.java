package io.baton.manager.controlapi;

import io.baton.api.Cluster;
import io.baton.api.CreateJoinTokenRequest;
import io.baton.api.CreateJoinTokenResponse;
import io.baton.api.ExtraJoinToken;
import io.baton.api.JoinTokenInfo;
import io.baton.api.ListJoinTokensResponse;
import io.baton.api.NodeRole;
import io.baton.ca.Identifiers;
import io.baton.ca.JoinToken;
import io.baton.manager.GrpcErrors;
import io.baton.manager.ca.ExtraTokens;
import io.baton.store.ClusterStore;
import io.baton.store.StoreException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Extra join tokens: made with a lifetime and/or a number of uses, listed without their secrets,
 * removed by id. The full text of an extra token is returned once, by {@link #create}; the store
 * keeps only a hash of its secret.
 */
final class JoinTokenHandlers {
  private static final Logger log = LoggerFactory.getLogger(JoinTokenHandlers.class);
  /** Shortest lifetime: a join (key generation, CSR, signing) must fit in it. */
  static final Duration MIN_TTL = Duration.ofMinutes(1);
  /** Most extra tokens at once, which bounds the cluster object. */
  static final int MAX_TOKENS = 100;

  private final ClusterStore store;
  private final SecureRandom random;
  private final Clock clock;

  JoinTokenHandlers(ClusterStore store, SecureRandom random, Clock clock) {
    this.store = store;
    this.random = random;
    this.clock = clock;
  }

  CreateJoinTokenResponse create(CreateJoinTokenRequest request) throws StoreException {
    NodeRole role = request.getRole();
    if (role != NodeRole.NODE_ROLE_WORKER && role != NodeRole.NODE_ROLE_MANAGER) {
      throw GrpcErrors.invalid("say which role the token is for: worker or manager");
    }
    if (request.getTtlSeconds() < 0 || (request.getTtlSeconds() > 0 && request.getTtlSeconds() < MIN_TTL.toSeconds())) {
      throw GrpcErrors.invalid("a token's lifetime must be at least 1m");
    }
    if (request.getTtlSeconds() == 0 && request.getMaxUses() == 0) {
      throw GrpcErrors.invalid("an extra token needs a lifetime or a number of uses; the standing token has neither");
    }
    Instant now = clock.instant();
    String id = Identifiers.newId(random);
    JoinToken[] token = new JoinToken[1];
    ExtraJoinToken created = store.update(tx -> {
      Cluster cluster = tx.cluster().orElseThrow();
      long live = cluster.getExtraJoinTokensList().stream().filter(t -> ExtraTokens.usable(t, now)).count();
      if (live >= MAX_TOKENS) {
        throw GrpcErrors.failedPrecondition("there are already " + MAX_TOKENS + " extra join tokens; remove some first");
      }
      token[0] = JoinToken.generate(cluster.getRootCa().getDigest(), random);
      ExtraJoinToken extra = ExtraJoinToken.newBuilder()
          .setId(id)
          .setRole(role)
          .setSecretSha256(com.google.protobuf.ByteString.copyFrom(token[0].secretSha256()))
          .setCreatedAtMs(now.toEpochMilli())
          .setExpiresAtMs(request.getTtlSeconds() == 0 ? 0 : now.plusSeconds(request.getTtlSeconds()).toEpochMilli())
          .setMaxUses(request.getMaxUses())
          .build();
      Cluster.Builder next = cluster.toBuilder().clearExtraJoinTokens();
      cluster.getExtraJoinTokensList().stream().filter(t -> ExtraTokens.usable(t, now)).forEach(next::addExtraJoinTokens);
      tx.put(next.addExtraJoinTokens(extra).build());
      return extra;
    });
    log.info("created extra {} join token {} (ttl {} s, uses {})", roleName(role), id,
        request.getTtlSeconds(), request.getMaxUses() == 0 ? "unlimited" : request.getMaxUses());
    return CreateJoinTokenResponse.newBuilder()
        .setToken(token[0].toString())
        .setInfo(ExtraTokens.info(created))
        .build();
  }

  ListJoinTokensResponse list(Cluster cluster) {
    Instant now = clock.instant();
    var response = ListJoinTokensResponse.newBuilder()
        .addTokens(JoinTokenInfo.newBuilder().setId("worker").setRole(NodeRole.NODE_ROLE_WORKER))
        .addTokens(JoinTokenInfo.newBuilder().setId("manager").setRole(NodeRole.NODE_ROLE_MANAGER));
    cluster.getExtraJoinTokensList().stream()
        .filter(t -> ExtraTokens.usable(t, now))
        .map(ExtraTokens::info)
        .forEach(response::addTokens);
    return response.build();
  }

  void remove(String id) throws StoreException {
    if (id.isBlank()) {
      throw GrpcErrors.invalid("a join token id is required");
    }
    if (id.equals("worker") || id.equals("manager")) {
      throw GrpcErrors.invalid("the standing " + id + " token cannot be removed; replace it with 'join-token "
          + id + " --rotate'");
    }
    Instant now = clock.instant();
    store.update(tx -> {
      Cluster cluster = tx.cluster().orElseThrow();
      boolean found = cluster.getExtraJoinTokensList().stream()
          .anyMatch(t -> t.getId().equals(id) && ExtraTokens.usable(t, now));
      if (!found) {
        throw GrpcErrors.notFound("no such join token: " + id);
      }
      Cluster.Builder next = cluster.toBuilder().clearExtraJoinTokens();
      cluster.getExtraJoinTokensList().stream()
          .filter(t -> !t.getId().equals(id) && ExtraTokens.usable(t, now))
          .forEach(next::addExtraJoinTokens);
      tx.put(next.build());
      return null;
    });
    log.info("removed join token {}", id);
  }

  private static String roleName(NodeRole role) {
    return role == NodeRole.NODE_ROLE_MANAGER ? "manager" : "worker";
  }
}
