package io.baton.store;

import com.google.protobuf.Message;
import io.baton.api.Cluster;
import io.baton.api.Node;
import io.baton.api.Task;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link ReadView} answered from {@link ObjectTables}: every kind through one generic path, the
 * task lookups from their secondary indexes. Subclasses decide which tables are read and whether
 * reading is allowed.
 */
abstract class TablesView implements ReadView {

  /** The tables to answer from; may throw if this view must no longer be read. */
  abstract ObjectTables tables();

  @Override
  public <T extends Message> Optional<T> get(Kind<T> kind, String id) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
    return Optional.ofNullable(tables().table(kind).get(id));
  }

  @Override
  public <T extends Message> List<T> list(Kind<T> kind) {
    Objects.requireNonNull(kind, "kind");
    return tables().table(kind).list();
  }

  @Override
  public Optional<Cluster> cluster() {
    return list(Kind.CLUSTER).stream().findFirst();
  }

  @Override
  public Optional<Node> node(String id) {
    return get(Kind.NODE, id);
  }

  @Override
  public List<Node> nodes() {
    return list(Kind.NODE);
  }

  @Override
  public List<Task> tasksOfService(String serviceId) {
    Objects.requireNonNull(serviceId, "serviceId");
    return tables().table(Kind.TASK).lookup(Kind.TASKS_BY_SERVICE, serviceId);
  }

  @Override
  public List<Task> tasksOfNode(String nodeId) {
    Objects.requireNonNull(nodeId, "nodeId");
    return tables().table(Kind.TASK).lookup(Kind.TASKS_BY_NODE, nodeId);
  }
}
