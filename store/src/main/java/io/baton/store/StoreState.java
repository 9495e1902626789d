package io.baton.store;

import io.baton.api.Cluster;
import io.baton.api.Node;
import io.baton.api.store.ObjectKind;
import io.baton.api.store.ObjectRef;
import io.baton.api.store.StoreAction;
import io.baton.api.store.StoreObject;
import io.baton.api.store.StoreProposal;
import io.baton.api.store.StoreSnapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One immutable version of the store's objects, with the log position it reflects.
 *
 * <p>{@link #apply} is the replicated state machine's transition function: a pure function of
 * this state and the entry (no clock, no randomness, no I/O), so every peer computes the same
 * result. Node maps are copied on write; a version shares nothing mutable with another.
 */
final class StoreState implements ReadView {

  static final StoreState EMPTY =
      new StoreState(null, Collections.unmodifiableNavigableMap(new TreeMap<>()), 0, 0);

  private final Cluster cluster;
  private final NavigableMap<String, Node> nodes;
  private final long appliedIndex;
  private final long appliedTerm;

  private StoreState(
      Cluster cluster, NavigableMap<String, Node> nodes, long appliedIndex, long appliedTerm) {
    this.cluster = cluster;
    this.nodes = nodes;
    this.appliedIndex = appliedIndex;
    this.appliedTerm = appliedTerm;
  }

  /** The outcome of applying one proposal: the next state and what the proposer is told. */
  record Applied(StoreState state, ApplyResult result, StoreEvent event) {}

  @Override
  public Optional<Cluster> cluster() {
    return Optional.ofNullable(cluster);
  }

  @Override
  public Optional<Node> node(String id) {
    return Optional.ofNullable(nodes.get(id));
  }

  @Override
  public List<Node> nodes() {
    return List.copyOf(nodes.values());
  }

  @Override
  public long appliedIndex() {
    return appliedIndex;
  }

  long appliedTerm() {
    return appliedTerm;
  }

  /** This state at a later log position that changed no object (a Raft-internal entry). */
  StoreState withApplied(long term, long index) {
    return new StoreState(cluster, nodes, index, term);
  }

  /** The version the object named by {@code ref} has here; 0 if it does not exist. */
  long versionOf(ObjectRef ref) {
    return switch (ref.getKind()) {
      case OBJECT_KIND_CLUSTER -> cluster == null ? 0 : cluster.getMeta().getVersion();
      case OBJECT_KIND_NODE -> {
        Node n = nodes.get(ref.getId());
        yield n == null ? 0 : n.getMeta().getVersion();
      }
      default -> 0;
    };
  }

  /**
   * Applies a proposal at log position {@code (term, index)}. Either every action takes effect,
   * each written object getting {@code meta.version = index}, or none does: when an expected
   * version does not match (the result is a conflict) or the proposal is malformed (the result is
   * a rejection). The applied index advances in every case.
   *
   * @return the next state, the result for the proposer, and the event to publish ({@code null}
   *     when nothing changed)
   */
  Applied apply(StoreProposal proposal, long term, long index) {
    String problem = validate(proposal);
    if (problem != null) {
      return new Applied(withApplied(term, index), ApplyResult.rejected(problem), null);
    }
    for (StoreAction action : proposal.getActionsList()) {
      ObjectRef ref = refOf(action);
      long actual = versionOf(ref);
      if (actual != action.getExpectedVersion()) {
        return new Applied(
            withApplied(term, index),
            ApplyResult.conflict(
                describe(ref)
                    + " is at version "
                    + actual
                    + ", the write expected "
                    + action.getExpectedVersion()),
            null);
      }
    }
    Cluster nextCluster = cluster;
    NavigableMap<String, Node> nextNodes = null;
    List<StoreObject> changed = new ArrayList<>();
    List<ObjectRef> deleted = new ArrayList<>();
    for (StoreAction action : proposal.getActionsList()) {
      if (action.hasPut()) {
        StoreObject object = action.getPut();
        if (object.hasCluster()) {
          nextCluster = withVersion(object.getCluster(), index);
          changed.add(StoreObject.newBuilder().setCluster(nextCluster).build());
        } else {
          Node node = withVersion(object.getNode(), index);
          nextNodes = nextNodes == null ? new TreeMap<>(nodes) : nextNodes;
          nextNodes.put(node.getId(), node);
          changed.add(StoreObject.newBuilder().setNode(node).build());
        }
      } else {
        ObjectRef ref = action.getDelete();
        if (ref.getKind() == ObjectKind.OBJECT_KIND_CLUSTER) {
          nextCluster = null;
        } else {
          nextNodes = nextNodes == null ? new TreeMap<>(nodes) : nextNodes;
          nextNodes.remove(ref.getId());
        }
        deleted.add(ref);
      }
    }
    StoreState next =
        new StoreState(
            nextCluster,
            nextNodes == null ? nodes : Collections.unmodifiableNavigableMap(nextNodes),
            index,
            term);
    StoreEvent event =
        changed.isEmpty() && deleted.isEmpty() ? null : new StoreEvent(index, changed, deleted);
    return new Applied(next, ApplyResult.APPLIED, event);
  }

  /** Why the proposal cannot be applied against this state, or {@code null} if it can. */
  private String validate(StoreProposal proposal) {
    Set<ObjectRef> seen = new HashSet<>();
    for (StoreAction action : proposal.getActionsList()) {
      ObjectRef ref = refOf(action);
      if (ref == null) {
        return "an action has no object or an object of unknown kind";
      }
      if (ref.getId().isEmpty()) {
        return "an action names an object without id";
      }
      if (!seen.add(ref)) {
        return "the proposal writes " + describe(ref) + " twice";
      }
      if (ref.getKind() == ObjectKind.OBJECT_KIND_CLUSTER
          && cluster != null
          && !cluster.getId().equals(ref.getId())) {
        return "the cluster id cannot change from " + cluster.getId() + " to " + ref.getId();
      }
    }
    return null;
  }

  /** The object an action writes or deletes; {@code null} if the action is malformed. */
  static ObjectRef refOf(StoreAction action) {
    return switch (action.getActionCase()) {
      case PUT ->
          switch (action.getPut().getKindCase()) {
            case CLUSTER -> clusterRef(action.getPut().getCluster().getId());
            case NODE -> nodeRef(action.getPut().getNode().getId());
            default -> null;
          };
      case DELETE -> {
        ObjectKind kind = action.getDelete().getKind();
        yield kind == ObjectKind.OBJECT_KIND_CLUSTER || kind == ObjectKind.OBJECT_KIND_NODE
            ? action.getDelete()
            : null;
      }
      default -> null;
    };
  }

  static ObjectRef clusterRef(String id) {
    return ObjectRef.newBuilder().setKind(ObjectKind.OBJECT_KIND_CLUSTER).setId(id).build();
  }

  static ObjectRef nodeRef(String id) {
    return ObjectRef.newBuilder().setKind(ObjectKind.OBJECT_KIND_NODE).setId(id).build();
  }

  private static String describe(ObjectRef ref) {
    return (ref.getKind() == ObjectKind.OBJECT_KIND_CLUSTER ? "cluster " : "node ") + ref.getId();
  }

  private static Cluster withVersion(Cluster c, long version) {
    return c.toBuilder().setMeta(c.getMeta().toBuilder().setVersion(version)).build();
  }

  private static Node withVersion(Node n, long version) {
    return n.toBuilder().setMeta(n.getMeta().toBuilder().setVersion(version)).build();
  }

  /** All objects and the log position, for a snapshot file. */
  StoreSnapshot toSnapshot() {
    StoreSnapshot.Builder b =
        StoreSnapshot.newBuilder().setAppliedIndex(appliedIndex).setAppliedTerm(appliedTerm);
    if (cluster != null) {
      b.addObjects(StoreObject.newBuilder().setCluster(cluster));
    }
    for (Node n : nodes.values()) {
      b.addObjects(StoreObject.newBuilder().setNode(n));
    }
    return b.build();
  }

  /**
   * The state a snapshot describes.
   *
   * @throws StoreException.Corrupt if the snapshot is inconsistent
   */
  static StoreState fromSnapshot(StoreSnapshot snapshot) throws StoreException.Corrupt {
    Cluster cluster = null;
    TreeMap<String, Node> nodes = new TreeMap<>();
    for (StoreObject object : snapshot.getObjectsList()) {
      switch (object.getKindCase()) {
        case CLUSTER -> {
          if (cluster != null) {
            throw new StoreException.Corrupt("snapshot holds more than one cluster object");
          }
          cluster = object.getCluster();
        }
        case NODE -> {
          Node n = object.getNode();
          if (n.getId().isEmpty() || nodes.put(n.getId(), n) != null) {
            throw new StoreException.Corrupt(
                "snapshot holds a node without id or twice the node '" + n.getId() + "'");
          }
        }
        default ->
            throw new StoreException.Corrupt("snapshot holds an object of unknown kind");
      }
    }
    return new StoreState(
        cluster,
        Collections.unmodifiableNavigableMap(nodes),
        snapshot.getAppliedIndex(),
        snapshot.getAppliedTerm());
  }
}
