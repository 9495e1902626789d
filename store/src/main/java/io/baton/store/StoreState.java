package io.baton.store;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.baton.api.store.ObjectRef;
import io.baton.api.store.StoreAction;
import io.baton.api.store.StoreBatch;
import io.baton.api.store.StoreObject;
import io.baton.api.store.StoreProposal;
import io.baton.api.store.StoreSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One immutable version of the store's objects, with the log position it reflects.
 *
 * <p>{@link #apply} is the replicated state machine's transition function: a pure function of
 * this state and the entry (no clock, no randomness, no I/O), so every peer computes the same
 * result. Versions share structure ({@link ObjectTables}): applying an entry that writes k objects
 * takes O(k log n) time whatever the number n of objects, and leaves older versions unchanged.
 * Nothing in this class is kind-specific; kinds are described by {@link Kind}.
 */
final class StoreState extends TablesView {

  static final StoreState EMPTY = new StoreState(ObjectTables.EMPTY, 0, 0);

  private final ObjectTables tables;
  private final long appliedIndex;
  private final long appliedTerm;

  private StoreState(ObjectTables tables, long appliedIndex, long appliedTerm) {
    this.tables = tables;
    this.appliedIndex = appliedIndex;
    this.appliedTerm = appliedTerm;
  }

  /** The outcome of applying one proposal: the next state and what the proposer is told. */
  record Applied(StoreState state, ApplyResult result, StoreEvent event) {}

  /**
   * The outcome of applying a batch: the next state, one result per proposal in proposal order,
   * and one event per proposal that changed something, in the same order.
   */
  record BatchApplied(StoreState state, List<ApplyResult> results, List<StoreEvent> events) {}

  @Override
  ObjectTables tables() {
    return tables;
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
    return new StoreState(tables, index, term);
  }

  /** The version the object named by {@code ref} has here; 0 if it does not exist. */
  long versionOf(ObjectRef ref) {
    Kind<?> kind = Kind.find(ref.getKind());
    return kind == null ? 0 : versionOf(kind, ref.getId());
  }

  private <T extends Message> long versionOf(Kind<T> kind, String id) {
    T object = tables.table(kind).get(id);
    return object == null ? 0 : kind.meta(object).getVersion();
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
    ObjectTables next = tables;
    List<StoreObject> changed = new ArrayList<>();
    List<ObjectRef> deleted = new ArrayList<>();
    for (StoreAction action : proposal.getActionsList()) {
      if (action.hasPut()) {
        StoreObject object = action.getPut();
        String clash = nameClash(next, object);
        if (clash != null) {
          return new Applied(withApplied(term, index), ApplyResult.conflict(clash), null);
        }
        next = putVersioned(next, Kind.of(object), object, index, changed);
      } else {
        ObjectRef ref = refOf(action);
        next = next.remove(Kind.of(ref.getKind()), ref.getId());
        deleted.add(ref);
      }
    }
    StoreEvent event =
        changed.isEmpty() && deleted.isEmpty() ? null : new StoreEvent(index, changed, deleted);
    return new Applied(new StoreState(next, index, term), ApplyResult.APPLIED, event);
  }

  /**
   * Applies the proposals of a batch at log position {@code (term, index)}, one after the other,
   * each as {@link #apply} does against the state the ones before it left: a proposal that
   * conflicts or is rejected changes nothing and does not affect the others. Every object written
   * by the batch gets {@code meta.version = index}. The applied index advances even if nothing
   * changed.
   */
  BatchApplied applyAll(StoreBatch batch, long term, long index) {
    StoreState next = withApplied(term, index);
    List<ApplyResult> results = new ArrayList<>(batch.getProposalsCount());
    List<StoreEvent> events = new ArrayList<>(batch.getProposalsCount());
    for (StoreProposal proposal : batch.getProposalsList()) {
      Applied applied = next.apply(proposal, term, index);
      next = applied.state();
      results.add(applied.result());
      if (applied.event() != null) {
        events.add(applied.event());
      }
    }
    return new BatchApplied(next, results, events);
  }

  /**
   * The batch of proposals a log entry holds, from its plain bytes. An entry written before
   * updates were batched is a bare {@link StoreProposal}: it parses as a batch without proposals
   * (the batch's field numbers leave the proposal's out) and is read as a batch of that one.
   *
   * @throws InvalidProtocolBufferException if the bytes are neither
   */
  static StoreBatch parseEntry(byte[] plain) throws InvalidProtocolBufferException {
    StoreBatch batch = StoreBatch.parseFrom(plain);
    if (batch.getProposalsCount() > 0 || plain.length == 0) {
      return batch;
    }
    return StoreBatch.newBuilder().addProposals(StoreProposal.parseFrom(plain)).build();
  }

  /**
   * Why {@code object} may not be put into {@code tables}: a service or secret whose name another
   * one of its kind already has. Checked here, at apply, because a proposer's own check runs on
   * its view: two creates of one name in flight at once (a client retrying after a timeout)
   * would both pass it. The loser's update function runs again and then sees the name taken.
   */
  private static String nameClash(ObjectTables tables, StoreObject object) {
    if (object.hasService()) {
      return clash(tables, Kind.SERVICE, object.getService().getId(), object.getService().getSpec().getName(),
          s -> s.getSpec().getName());
    }
    if (object.hasSecret()) {
      return clash(tables, Kind.SECRET, object.getSecret().getId(), object.getSecret().getSpec().getName(),
          s -> s.getSpec().getName());
    }
    return null;
  }

  private static <T extends Message> String clash(
      ObjectTables tables, Kind<T> kind, String id, String name, java.util.function.Function<T, String> nameOf) {
    for (T other : tables.table(kind).list()) {
      if (nameOf.apply(other).equals(name) && !kind.id(other).equals(id)) {
        return "a " + kind.noun() + " named " + name + " already exists (" + kind.id(other) + ")";
      }
    }
    return null;
  }

  private static <T extends Message> ObjectTables putVersioned(
      ObjectTables tables,
      Kind<T> kind,
      StoreObject object,
      long index,
      List<StoreObject> changed) {
    T o = kind.unwrap(object);
    T stored = kind.withMeta(o, kind.meta(o).toBuilder().setVersion(index).build());
    changed.add(kind.wrap(stored));
    return tables.put(kind, stored);
  }

  /** Why the proposal cannot be applied against this state, or {@code null} if it can. */
  private String validate(StoreProposal proposal) {
    Set<ObjectRef> seen = new HashSet<>();
    Map<Kind<?>, String> singletonIds = new HashMap<>();
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
      Kind<?> kind = Kind.of(ref.getKind());
      if (kind.singleton()) {
        String existing = singletonId(kind);
        if (existing != null && !existing.equals(ref.getId())) {
          return "the " + kind.noun() + " id cannot change from " + existing + " to " + ref.getId();
        }
        String other = singletonIds.putIfAbsent(kind, ref.getId());
        if (other != null && !other.equals(ref.getId())) {
          return "the proposal writes two "
              + kind.noun()
              + " objects, "
              + other
              + " and "
              + ref.getId();
        }
      }
    }
    return null;
  }

  /** The id of the one object of a singleton kind; {@code null} if there is none. */
  private <T extends Message> String singletonId(Kind<T> kind) {
    List<T> objects = tables.table(kind).list();
    return objects.isEmpty() ? null : kind.id(objects.get(0));
  }

  /**
   * The object an action writes or deletes, with only kind and id set; {@code null} if the action
   * is malformed or names a kind this version does not know.
   */
  static ObjectRef refOf(StoreAction action) {
    return switch (action.getActionCase()) {
      case PUT -> {
        Kind<?> kind = Kind.find(action.getPut());
        yield kind == null ? null : refOfPut(kind, action.getPut());
      }
      case DELETE -> {
        Kind<?> kind = Kind.find(action.getDelete().getKind());
        yield kind == null ? null : kind.ref(action.getDelete().getId());
      }
      default -> null;
    };
  }

  private static <T extends Message> ObjectRef refOfPut(Kind<T> kind, StoreObject object) {
    return kind.ref(kind.id(kind.unwrap(object)));
  }

  private static String describe(ObjectRef ref) {
    return Kind.of(ref.getKind()).describe(ref.getId());
  }

  /** All objects, kind by kind in the order of {@link Kind#all()}, and the log position. */
  StoreSnapshot toSnapshot() {
    StoreSnapshot.Builder b =
        StoreSnapshot.newBuilder().setAppliedIndex(appliedIndex).setAppliedTerm(appliedTerm);
    for (Kind<?> kind : Kind.all()) {
      addObjects(b, kind);
    }
    return b.build();
  }

  private <T extends Message> void addObjects(StoreSnapshot.Builder b, Kind<T> kind) {
    for (T object : tables.table(kind).list()) {
      b.addObjects(kind.wrap(object));
    }
  }

  /**
   * The state a snapshot describes.
   *
   * @throws StoreException.Corrupt if the snapshot is inconsistent: an object of unknown kind or
   *     without id, two objects of one kind and id, or two objects of a singleton kind
   */
  static StoreState fromSnapshot(StoreSnapshot snapshot) throws StoreException.Corrupt {
    ObjectTables tables = ObjectTables.EMPTY;
    for (StoreObject object : snapshot.getObjectsList()) {
      Kind<?> kind = Kind.find(object);
      if (kind == null) {
        throw new StoreException.Corrupt("snapshot holds an object of unknown kind");
      }
      tables = load(tables, kind, object);
    }
    return new StoreState(tables, snapshot.getAppliedIndex(), snapshot.getAppliedTerm());
  }

  private static <T extends Message> ObjectTables load(
      ObjectTables tables, Kind<T> kind, StoreObject object) throws StoreException.Corrupt {
    T o = kind.unwrap(object);
    String id = kind.id(o);
    ObjectTable<T> table = tables.table(kind);
    if (kind.singleton() && table.size() > 0) {
      throw new StoreException.Corrupt("snapshot holds more than one " + kind.noun() + " object");
    }
    if (id.isEmpty() || table.get(id) != null) {
      throw new StoreException.Corrupt(
          "snapshot holds a "
              + kind.noun()
              + " without id or twice the "
              + kind.noun()
              + " '"
              + id
              + "'");
    }
    return tables.put(kind, o);
  }
}
