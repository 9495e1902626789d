package io.baton.manager.orchestrator;

import io.baton.api.Availability;
import io.baton.api.Node;
import io.baton.api.NodeState;
import io.baton.store.JoinApproval;
import java.util.Optional;

/** Whether tasks may stay on a node, and why not. */
public final class NodeHealth {
  private NodeHealth() {}

  /**
   * Why tasks must leave the node, or empty if they may stay. A node in state unknown (a manager
   * just restarted) keeps its tasks until it is marked down.
   */
  public static Optional<String> evictionReason(Optional<Node> node) {
    if (node.isEmpty()) {
      return Optional.of("node was removed");
    }
    if (node.get().getStatus().getState() == NodeState.NODE_STATE_DOWN) {
      return Optional.of("node is down");
    }
    if (node.get().getSpec().getAvailability() == Availability.AVAILABILITY_DRAIN) {
      return Optional.of("node is drained");
    }
    if (JoinApproval.isPending(node.get())) {
      return Optional.of("node is waiting for join approval");
    }
    return Optional.empty();
  }
}
