package io.baton.store;

import io.baton.api.Node;
import io.baton.api.NodeMembership;
import io.baton.api.NodeRole;
import io.baton.api.NodeState;
import io.baton.api.NodeStatus;

/**
 * Join approval: with the cluster setting {@code join_approval} on, a node that joins with a valid
 * token is stored as {@link NodeMembership#NODE_MEMBERSHIP_PENDING} until an operator runs {@code
 * baton node accept} (or removes it). Pure functions over immutable values.
 *
 * <p>What a pending node may do, and why (least privilege):
 *
 * <ul>
 *   <li>It holds a certificate of the role its token gave, so the operator can name it and the
 *       node need not come back with a token once accepted. The certificate grants nothing by
 *       itself: the authorization interceptor treats the caller as {@code PRINCIPAL_PENDING},
 *       which may only fetch the root certificate and renew its own certificate. Every other RPC
 *       (dispatcher session, task status, control API, Raft membership, store data keys, unlock
 *       key) is refused with {@code io.baton.ca.PendingApproval}'s trailer, on which the node
 *       waits and retries.
 *   <li>Its stored role is worker until it is accepted, even when it joined with the manager
 *       token ({@code spec.desired_role} keeps the role it will get). Everything that grants
 *       manager rights reads the stored role (Raft peer admission, the Raft group's membership,
 *       quorum checks), so a pending manager is never a Raft voter and never sees the store.
 *   <li>No task is placed on it, a global service gets no task for it, and since it has no session
 *       it receives no secret.
 *   <li>{@code node rm} removes it without {@code --force}: it runs nothing. Turning join approval
 *       off later admits nobody; nodes already pending stay pending until accepted or removed.
 * </ul>
 */
public final class JoinApproval {
  private JoinApproval() {}

  /** True while the node awaits {@code node accept}. */
  public static boolean isPending(Node node) {
    return node.getSpec().getMembership() == NodeMembership.NODE_MEMBERSHIP_PENDING;
  }

  /**
   * {@code joined} as it is stored when it joins a cluster with join approval on: pending, with the
   * stored role worker and the token's role as the desired one.
   */
  public static Node pending(Node joined) {
    return joined.toBuilder()
        .setRole(NodeRole.NODE_ROLE_WORKER)
        .setSpec(joined.getSpec().toBuilder().setMembership(NodeMembership.NODE_MEMBERSHIP_PENDING))
        .setStatus(joined.getStatus().toBuilder()
            .setState(NodeState.NODE_STATE_PENDING)
            .setMessage("waiting for approval: run 'baton node accept " + joined.getId() + "'"))
        .build();
  }

  /**
   * {@code node} once accepted: a member with the role it joined with, waiting for its first
   * session. A node already accepted is returned unchanged.
   */
  public static Node accepted(Node node) {
    if (!isPending(node)) {
      return node;
    }
    return node.toBuilder()
        .setRole(node.getSpec().getDesiredRole())
        .setSpec(node.getSpec().toBuilder().setMembership(NodeMembership.NODE_MEMBERSHIP_ACCEPTED))
        .setStatus(NodeStatus.newBuilder(node.getStatus())
            .setState(NodeState.NODE_STATE_UNKNOWN)
            .setMessage("accepted; waiting for its first session"))
        .build();
  }
}
