package io.baton.store;

import io.baton.api.Cluster;
import io.baton.api.NodeRole;
import io.baton.ca.NodeIdentity;
import io.baton.ca.Role;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Who may talk Raft with this peer, beyond a valid chain to the cluster root: a certificate with
 * the manager OU whose node is a manager in the store and not on the denylist. A removed
 * (denylisted) node is refused at its next handshake, whatever its certificate says.
 *
 * <p>A demoted manager stays admitted only while it is still a voting member of the group: the
 * leader takes it out within a second, and until then the group needs it to reach a quorum (a
 * group of two would otherwise stall). It never regains manager rights on the manager API, where
 * the stored role alone counts.
 *
 * <p>A peer whose store holds no cluster yet (a manager that just joined and has not received the
 * state) cannot look anyone up; it admits manager certificates of its cluster's root until the
 * state arrives, which is what lets the leader bring it up to date.
 */
public final class RaftPeerAdmission implements Predicate<NodeIdentity> {
  private final Supplier<ReadView> view;
  private final Predicate<String> votingMember;

  /**
   * @param view the local store's latest view; may return null while the store is starting
   * @param votingMember whether a node id is a voting member of the group as this peer knows it
   */
  public RaftPeerAdmission(Supplier<ReadView> view, Predicate<String> votingMember) {
    this.view = view;
    this.votingMember = votingMember;
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
    if (Denylist.contains(cluster, peer.nodeId())) {
      return false;
    }
    boolean manager =
        v.node(peer.nodeId()).map(n -> n.getRole() == NodeRole.NODE_ROLE_MANAGER).orElse(false);
    return manager || votingMember.test(peer.nodeId());
  }
}
