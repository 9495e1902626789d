package io.baton.store;

import com.google.protobuf.Message;
import io.baton.api.Cluster;
import io.baton.api.Node;
import io.baton.api.Secret;
import io.baton.api.Service;
import io.baton.api.Task;

/**
 * A transaction over a {@link ReadView} of the latest committed state; reads (of every kind, and
 * the task lookups) see the transaction's own writes.
 *
 * <p>Each write records the version the object had in the base view (0 if it did not exist);
 * when the writes are applied, any object whose version has changed since makes the whole
 * transaction fail and {@link ClusterStore#update} re-runs it. The store sets {@code meta}
 * ({@code created_at_ms}, {@code updated_at_ms} from its clock, {@code version} from the log
 * index): whatever meta the caller passes is ignored. The writes of one transaction must fit in
 * {@link ClusterStore#MAX_PROPOSAL_BYTES}.
 *
 * <p>Not thread-safe: a transaction belongs to the thread running the update function, and it
 * must not be used after that function returns.
 */
public interface Tx extends ReadView {

  /**
   * Creates or replaces the object of {@code kind} with {@code object}'s id. For a
   * {@linkplain Kind#singleton() singleton} kind, a later put of another id replaces an earlier
   * put of this transaction.
   *
   * @throws IllegalArgumentException if the id is empty, {@code object} is not of {@code kind},
   *     or the kind is a singleton whose existing object has another id
   */
  <T extends Message> void put(Kind<T> kind, T object);

  /** Deletes the object of {@code kind} with this id; nothing happens if it does not exist. */
  <T extends Message> void delete(Kind<T> kind, String id);

  /**
   * Creates or replaces the cluster object.
   *
   * @throws IllegalArgumentException if the id is empty or differs from the existing cluster's
   */
  default void put(Cluster cluster) {
    put(Kind.CLUSTER, cluster);
  }

  /**
   * Creates or replaces a node.
   *
   * @throws IllegalArgumentException if the id is empty
   */
  default void put(Node node) {
    put(Kind.NODE, node);
  }

  /**
   * Creates or replaces a service.
   *
   * @throws IllegalArgumentException if the id is empty
   */
  default void put(Service service) {
    put(Kind.SERVICE, service);
  }

  /**
   * Creates or replaces a task.
   *
   * @throws IllegalArgumentException if the id is empty
   */
  default void put(Task task) {
    put(Kind.TASK, task);
  }

  /**
   * Creates or replaces a secret.
   *
   * @throws IllegalArgumentException if the id is empty
   */
  default void put(Secret secret) {
    put(Kind.SECRET, secret);
  }

  /** Deletes a secret; nothing happens if it does not exist. */
  default void deleteSecret(String id) {
    delete(Kind.SECRET, id);
  }

  /** Deletes a node; nothing happens if it does not exist. */
  default void deleteNode(String id) {
    delete(Kind.NODE, id);
  }

  /** Deletes a service; nothing happens if it does not exist. Its tasks are left alone. */
  default void deleteService(String id) {
    delete(Kind.SERVICE, id);
  }

  /** Deletes a task; nothing happens if it does not exist. */
  default void deleteTask(String id) {
    delete(Kind.TASK, id);
  }
}
