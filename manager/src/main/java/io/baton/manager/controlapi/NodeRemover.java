package io.baton.manager.controlapi;

import io.baton.api.Cluster;
import io.baton.api.Node;
import io.baton.api.NodeRole;
import io.baton.api.NodeState;
import io.baton.api.RemoveNodeRequest;
import io.baton.api.RemoveNodeResponse;
import io.baton.manager.GrpcErrors;
import io.baton.manager.membership.QuorumGuard;
import io.baton.store.ClusterStore;
import io.baton.store.Denylist;
import io.baton.store.JoinApproval;
import io.baton.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code node rm}: deletes a node object and, in the same store write, puts the node id on the
 * denylist until its last issued certificate can no longer be valid anywhere. From the next RPC on
 * every manager refuses the node (the authorization interceptor reads the denylist on each call),
 * the Raft port refuses it at its next handshake, the dispatcher closes its session, and the
 * orchestrators move its tasks away.
 *
 * <p>Refused: a node that is not down, unless forced (its tasks are probably still running); a
 * manager whose leaving would cost the Raft group its last manager or its reachable quorum, even
 * when forced; and the node the caller talks through, which would cut the caller off mid-call.
 */
final class NodeRemover {
  private static final Logger log = LoggerFactory.getLogger(NodeRemover.class);
  /**
   * How long after a certificate's NotAfter the entry stays: a verifier whose clock runs late by
   * up to this much still accepts the certificate. Matches the backdating of NotBefore.
   */
  static final Duration CLOCK_SKEW = Duration.ofHours(1);

  private final ClusterStore store;
  private final Clock clock;

  NodeRemover(ClusterStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** Removes the node {@code request} names; {@code callerNodeId} is the node the caller uses. */
  RemoveNodeResponse remove(RemoveNodeRequest request, String callerNodeId) throws StoreException {
    Node node = NodeLookup.resolve(store.view(), request.getNode());
    String id = node.getId();
    if (id.equals(callerNodeId)) {
      throw GrpcErrors.failedPrecondition("cannot remove node " + id
          + ": this command talks to the cluster through it; run it on another manager");
    }
    // A pending node runs nothing and may do nothing, so removing it needs no --force.
    if (!request.getForce() && node.getStatus().getState() != NodeState.NODE_STATE_DOWN
        && !JoinApproval.isPending(node)) {
      throw GrpcErrors.failedPrecondition("node " + id + " is " + stateName(node)
          + " and can't be removed: stop it first, or use --force to cut it off while it runs");
    }
    QuorumGuard.whyNotLeave(store.view(), store.membership().members(), id).ifPresent(reason -> {
      throw GrpcErrors.failedPrecondition("cannot remove node " + id + ": " + reason);
    });
    store.update(tx -> {
      Node current = tx.node(id).orElseThrow(() -> GrpcErrors.notFound("no such node: " + id));
      Cluster cluster = tx.cluster().orElseThrow();
      Instant now = clock.instant();
      Instant lastCertificate = Instant.ofEpochMilli(current.getCertificate().getNotAfterMs());
      Instant until = (lastCertificate.isAfter(now) ? lastCertificate : now).plus(CLOCK_SKEW);
      tx.put(Denylist.deny(cluster, id, until, now));
      tx.deleteNode(id);
      return null;
    });
    log.info("removed node {} ({}); its certificates are refused until the last one expires",
        id, node.getRole() == NodeRole.NODE_ROLE_MANAGER ? "manager" : "worker");
    return RemoveNodeResponse.newBuilder().setNodeId(id).build();
  }

  private static String stateName(Node node) {
    return switch (node.getStatus().getState()) {
      case NODE_STATE_READY -> "ready";
      case NODE_STATE_PENDING -> "pending";
      default -> "not known to be down";
    };
  }
}
