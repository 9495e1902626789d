package io.baton.store;

import io.baton.api.Cluster;
import io.baton.api.Meta;
import io.baton.api.Node;
import io.baton.api.store.StoreAction;
import io.baton.api.store.StoreObject;
import io.baton.api.store.StoreProposal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The {@link Tx} handed to an update function: buffers writes over a base state and turns them
 * into one {@link StoreProposal}. Confined to the thread running the function.
 */
final class StoreTx implements Tx {

  private final StoreState base;
  private Cluster cluster;
  /** Pending node writes in write order; a {@code null} value is a delete. */
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private boolean closed;

  StoreTx(StoreState base) {
    this.base = base;
  }

  @Override
  public Optional<Cluster> cluster() {
    checkOpen();
    return cluster != null ? Optional.of(cluster) : base.cluster();
  }

  @Override
  public Optional<Node> node(String id) {
    checkOpen();
    return nodes.containsKey(id) ? Optional.ofNullable(nodes.get(id)) : base.node(id);
  }

  @Override
  public List<Node> nodes() {
    checkOpen();
    if (nodes.isEmpty()) {
      return base.nodes();
    }
    TreeMap<String, Node> merged = new TreeMap<>();
    for (Node n : base.nodes()) {
      merged.put(n.getId(), n);
    }
    nodes.forEach(
        (id, n) -> {
          if (n == null) {
            merged.remove(id);
          } else {
            merged.put(id, n);
          }
        });
    return List.copyOf(merged.values());
  }

  @Override
  public long appliedIndex() {
    return base.appliedIndex();
  }

  @Override
  public void put(Cluster c) {
    checkOpen();
    Objects.requireNonNull(c, "cluster");
    if (c.getId().isEmpty()) {
      throw new IllegalArgumentException("a cluster needs an id");
    }
    base.cluster()
        .filter(existing -> !existing.getId().equals(c.getId()))
        .ifPresent(
            existing -> {
              throw new IllegalArgumentException(
                  "the cluster id cannot change from " + existing.getId() + " to " + c.getId());
            });
    cluster = c;
  }

  @Override
  public void put(Node n) {
    checkOpen();
    Objects.requireNonNull(n, "node");
    if (n.getId().isEmpty()) {
      throw new IllegalArgumentException("a node needs an id");
    }
    nodes.put(n.getId(), n);
  }

  @Override
  public void deleteNode(String id) {
    checkOpen();
    Objects.requireNonNull(id, "id");
    if (base.node(id).isPresent()) {
      nodes.put(id, null);
    } else {
      nodes.remove(id);
    }
  }

  /** Ends the transaction: later calls throw. */
  void close() {
    closed = true;
  }

  boolean hasWrites() {
    return cluster != null || !nodes.isEmpty();
  }

  /**
   * The proposal for the buffered writes, with each object's expected version taken from the
   * base state and its timestamps set: {@code created_at_ms} kept from the base object (or
   * {@code nowMs} for a new one), {@code updated_at_ms = nowMs}.
   */
  StoreProposal toProposal(long nowMs) {
    List<StoreAction> actions = new ArrayList<>();
    if (cluster != null) {
      Optional<Cluster> old = base.cluster();
      Meta meta = meta(old.map(Cluster::getMeta), nowMs);
      actions.add(
          StoreAction.newBuilder()
              .setPut(StoreObject.newBuilder().setCluster(cluster.toBuilder().setMeta(meta)))
              .setExpectedVersion(meta.getVersion())
              .build());
    }
    nodes.forEach(
        (id, n) -> {
          Optional<Node> old = base.node(id);
          StoreAction.Builder action =
              StoreAction.newBuilder()
                  .setExpectedVersion(old.map(o -> o.getMeta().getVersion()).orElse(0L));
          if (n == null) {
            action.setDelete(StoreState.nodeRef(id));
          } else {
            Meta meta = meta(old.map(Node::getMeta), nowMs);
            action.setPut(StoreObject.newBuilder().setNode(n.toBuilder().setMeta(meta)));
          }
          actions.add(action.build());
        });
    return StoreProposal.newBuilder().addAllActions(actions).setProposedAtMs(nowMs).build();
  }

  private static Meta meta(Optional<Meta> old, long nowMs) {
    return Meta.newBuilder()
        .setVersion(old.map(Meta::getVersion).orElse(0L))
        .setCreatedAtMs(old.map(Meta::getCreatedAtMs).orElse(nowMs))
        .setUpdatedAtMs(nowMs)
        .build();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("transaction used after its update function returned");
    }
  }
}
