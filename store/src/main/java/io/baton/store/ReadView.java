package io.baton.store;

import com.google.protobuf.Message;
import io.baton.api.Cluster;
import io.baton.api.Node;
import io.baton.api.Secret;
import io.baton.api.Service;
import io.baton.api.Task;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable, consistent view of the store's committed state as of one Raft log index.
 *
 * <p>A view never changes after it is obtained, so it may be read from any thread and kept for as
 * long as needed; later writes produce new views. Objects returned carry {@code meta.version}, the
 * log index of their last write. Lists are unmodifiable and sorted by id.
 *
 * <p>The store's views implement every method for every {@link Kind}, and answer
 * {@link #tasksOfService} and {@link #tasksOfNode} from indexes, in time proportional to the
 * answer. The defaults of the generic methods serve views that implement only the cluster and
 * node accessors (such as hand-written test views): they hold no objects of other kinds.
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

  /** The object of {@code kind} with this id, if it exists. */
  default <T extends Message> Optional<T> get(Kind<T> kind, String id) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
    if (kind == Kind.CLUSTER) {
      return cluster().filter(c -> c.getId().equals(id)).map(kind::cast);
    }
    if (kind == Kind.NODE) {
      return node(id).map(kind::cast);
    }
    return Optional.empty();
  }

  /** All objects of {@code kind}, sorted by id; an unmodifiable list. */
  default <T extends Message> List<T> list(Kind<T> kind) {
    Objects.requireNonNull(kind, "kind");
    if (kind == Kind.CLUSTER) {
      return cluster().stream().map(kind::cast).toList();
    }
    if (kind == Kind.NODE) {
      return nodes().stream().map(kind::cast).toList();
    }
    return List.of();
  }

  /** The service with this id, if it exists. */
  default Optional<Service> service(String id) {
    return get(Kind.SERVICE, id);
  }

  /** All services, sorted by id; an unmodifiable list. */
  default List<Service> services() {
    return list(Kind.SERVICE);
  }

  /** The secret with this id, if it exists. */
  default Optional<Secret> secret(String id) {
    return get(Kind.SECRET, id);
  }

  /** All secrets, sorted by id; an unmodifiable list. */
  default List<Secret> secrets() {
    return list(Kind.SECRET);
  }

  /** The task with this id, if it exists. */
  default Optional<Task> task(String id) {
    return get(Kind.TASK, id);
  }

  /** All tasks, sorted by id; an unmodifiable list. */
  default List<Task> tasks() {
    return list(Kind.TASK);
  }

  /** The tasks whose {@code service_id} is {@code serviceId}, sorted by id; unmodifiable. */
  default List<Task> tasksOfService(String serviceId) {
    Objects.requireNonNull(serviceId, "serviceId");
    return tasks().stream().filter(t -> t.getServiceId().equals(serviceId)).toList();
  }

  /**
   * The tasks whose {@code node_id} is {@code nodeId}, sorted by id; unmodifiable. The empty id
   * lists the tasks not assigned to a node.
   */
  default List<Task> tasksOfNode(String nodeId) {
    Objects.requireNonNull(nodeId, "nodeId");
    return tasks().stream().filter(t -> t.getNodeId().equals(nodeId)).toList();
  }
}
