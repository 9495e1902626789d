package io.baton.store;

import io.baton.api.Cluster;
import io.baton.api.Node;

/**
 * A transaction over a {@link ReadView} of the latest committed state; reads see the
 * transaction's own writes.
 *
 * <p>Each write records the version the object had in the base view (0 if it did not exist);
 * when the writes are applied, any object whose version has changed since makes the whole
 * transaction fail and {@link ClusterStore#update} re-runs it. The store sets {@code meta}
 * ({@code created_at_ms}, {@code updated_at_ms} from its clock, {@code version} from the log
 * index): whatever meta the caller passes is ignored.
 *
 * <p>Not thread-safe: a transaction belongs to the thread running the update function, and it
 * must not be used after that function returns.
 */
public interface Tx extends ReadView {

  /**
   * Creates or replaces the cluster object.
   *
   * @throws IllegalArgumentException if the id is empty or differs from the existing cluster's
   */
  void put(Cluster cluster);

  /**
   * Creates or replaces a node.
   *
   * @throws IllegalArgumentException if the id is empty
   */
  void put(Node node);

  /** Deletes a node; nothing happens if it does not exist. */
  void deleteNode(String id);
}
