package io.baton.store;

import io.baton.api.Cluster;
import io.baton.api.DenylistEntry;
import java.time.Instant;

/**
 * The ids of removed nodes, kept in the cluster object until no certificate of theirs can still
 * be valid. Every RPC, every Raft handshake and every Raft membership decision consults it, so a
 * removed node is refused at once even with an unexpired certificate. Pure functions over
 * immutable values.
 */
public final class Denylist {
  private Denylist() {}

  /** True if {@code nodeId} was removed and its certificates must be refused. */
  public static boolean contains(Cluster cluster, String nodeId) {
    for (DenylistEntry entry : cluster.getDenylistList()) {
      if (entry.getNodeId().equals(nodeId)) {
        return true;
      }
    }
    return false;
  }

  /** True if {@code view} has a cluster and its denylist holds {@code nodeId}. */
  public static boolean contains(ReadView view, String nodeId) {
    return view.cluster().map(c -> contains(c, nodeId)).orElse(false);
  }

  /**
   * {@code cluster} with {@code nodeId} denied until {@code until}, and without the entries that
   * expired before {@code now}.
   */
  public static Cluster deny(Cluster cluster, String nodeId, Instant until, Instant now) {
    Cluster.Builder next = pruned(cluster, now).toBuilder();
    next.addDenylist(DenylistEntry.newBuilder().setNodeId(nodeId).setExpiresAtMs(until.toEpochMilli()));
    return next.build();
  }

  /** {@code cluster} without the entries that expired before {@code now}. */
  public static Cluster pruned(Cluster cluster, Instant now) {
    if (!hasExpired(cluster, now)) {
      return cluster;
    }
    return cluster.toBuilder()
        .clearDenylist()
        .addAllDenylist(cluster.getDenylistList().stream()
            .filter(e -> e.getExpiresAtMs() >= now.toEpochMilli())
            .toList())
        .build();
  }

  /** True if some entry expired before {@code now} and may be dropped. */
  public static boolean hasExpired(Cluster cluster, Instant now) {
    return cluster.getDenylistList().stream().anyMatch(e -> e.getExpiresAtMs() < now.toEpochMilli());
  }
}
