package io.baton.store;

import io.baton.api.Cluster;
import io.baton.api.Node;
import java.util.List;
import java.util.Optional;

/**
 * An immutable, consistent view of the store's committed state as of one Raft log index.
 *
 * <p>A view never changes after it is obtained, so it may be read from any thread and kept for as
 * long as needed; later writes produce new views. Objects returned carry {@code meta.version}, the
 * log index of their last write.
 */
public interface ReadView {

  /** The cluster object; there is at most one. */
  Optional<Cluster> cluster();

  /** The node with this id, if it exists. */
  Optional<Node> node(String id);

  /** All nodes, sorted by id; an unmodifiable list. */
  List<Node> nodes();

  /**
   * The Raft log index this view reflects: every entry up to and including it has been applied.
   * Not a count of writes: Ratis adds entries of its own.
   */
  long appliedIndex();
}
