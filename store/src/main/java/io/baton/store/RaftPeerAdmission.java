package io.baton.store;

import io.baton.api.Cluster;
import io.baton.api.DenylistEntry;
import io.baton.api.NodeRole;
import io.baton.ca.NodeIdentity;
import io.baton.ca.Role;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Who may talk Raft with this peer, beyond a valid chain to the cluster root: a certificate with
 * the manager OU whose node is a manager in the store and not on the denylist. A demoted or
 * removed manager is refused at its next handshake, whatever its certificate says.
 *
 * <p>A peer whose store holds no cluster yet (a manager that just joined and has not received the
 * state) cannot look anyone up; it admits manager certificates of its cluster's root until the
 * state arrives, which is what lets the leader bring it up to date.
 */
public final class RaftPeerAdmission implements Predicate<NodeIdentity> {
  private final Supplier<ReadView> view;

  /**
   * @param view the local store's latest view; may return null while the store is starting
   */
  public RaftPeerAdmission(Supplier<ReadView> view) {
    this.view = view;
  }

  @Override
  public boolean test(NodeIdentity peer) {
    if (peer.role() != Role.MANAGER) {
      return false;
    }
    ReadView v = view.get();
    if (v == null || v.cluster().isEmpty()) {
      return true;
    }
    Cluster cluster = v.cluster().get();
    if (!cluster.getId().equals(peer.clusterId())) {
      return false;
    }
    for (DenylistEntry denied : cluster.getDenylistList()) {
      if (denied.getNodeId().equals(peer.nodeId())) {
        return false;
      }
    }
    return v.node(peer.nodeId()).map(n -> n.getRole() == NodeRole.NODE_ROLE_MANAGER).orElse(false);
  }
}
