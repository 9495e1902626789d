package io.baton.manager.auth;

import io.baton.api.Cluster;
import io.baton.api.Node;
import io.baton.store.Denylist;
import io.baton.store.ReadView;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The store facts authorization depends on: the cluster id, the denylist and each node's current
 * role and membership (join approval). Reads the latest committed view on every call, so a removal or demotion applies to the very
 * next RPC.
 */
public final class MembershipView {
  private final Supplier<ReadView> store;

  public MembershipView(Supplier<ReadView> store) {
    this.store = store;
  }

  /** The cluster id, or empty before the cluster object exists. */
  public Optional<String> clusterId() {
    return store.get().cluster().map(Cluster::getId);
  }

  /** True if the node was removed and its certificates must be refused. */
  public boolean isDenied(String nodeId) {
    return Denylist.contains(store.get(), nodeId);
  }

  /** The node as the store has it (role, membership), or empty if the store has no such node. */
  public Optional<Node> node(String nodeId) {
    return store.get().node(nodeId);
  }
}
