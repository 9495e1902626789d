package io.baton.store;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import io.baton.api.Meta;
import io.baton.api.store.StoreAction;
import io.baton.api.store.StoreBatch;
import io.baton.api.store.StoreProposal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The {@link Tx} handed to an update function: buffers writes over a base state and turns them
 * into one {@link StoreProposal}. Reads are answered from working tables, the base's with the
 * buffered writes applied (O(log n) per write, sharing structure with the base). Confined to the
 * thread running the function.
 */
final class StoreTx extends TablesView implements Tx {

  private final StoreState base;
  private ObjectTables working;

  /** Pending writes by kind, each kind's by id in write order; a {@code null} value is a delete. */
  private final Map<Kind<?>, Map<String, Message>> writes = new HashMap<>();

  private boolean closed;

  StoreTx(StoreState base) {
    this.base = base;
    this.working = base.tables();
  }

  @Override
  ObjectTables tables() {
    checkOpen();
    return working;
  }

  @Override
  public long appliedIndex() {
    return base.appliedIndex();
  }

  @Override
  public <T extends Message> void put(Kind<T> kind, T object) {
    checkOpen();
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(object, kind.noun());
    if (!kind.isInstance(object)) {
      throw new IllegalArgumentException(
          "a " + object.getDescriptorForType().getName() + " is not a " + kind.noun());
    }
    String id = kind.id(object);
    if (id.isEmpty()) {
      throw new IllegalArgumentException("a " + kind.noun() + " needs an id");
    }
    if (kind.singleton()) {
      replaceSingleton(kind, id);
    }
    working = working.put(kind, object);
    writesOf(kind).put(id, object);
  }

  /**
   * Makes room for the object {@code id} of a singleton kind: refuses if the base holds one of
   * another id, drops an earlier write of this transaction that put one.
   */
  private <T extends Message> void replaceSingleton(Kind<T> kind, String id) {
    for (T existing : base.list(kind)) {
      if (!kind.id(existing).equals(id)) {
        throw new IllegalArgumentException(
            "the " + kind.noun() + " id cannot change from " + kind.id(existing) + " to " + id);
      }
    }
    for (T pending : working.table(kind).list()) {
      String pendingId = kind.id(pending);
      if (!pendingId.equals(id)) {
        working = working.remove(kind, pendingId);
        writesOf(kind).remove(pendingId);
      }
    }
  }

  @Override
  public <T extends Message> void delete(Kind<T> kind, String id) {
    checkOpen();
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
    working = working.remove(kind, id);
    if (base.get(kind, id).isPresent()) {
      writesOf(kind).put(id, null);
    } else {
      writesOf(kind).remove(id);
    }
  }

  private Map<String, Message> writesOf(Kind<?> kind) {
    return writes.computeIfAbsent(kind, k -> new LinkedHashMap<>());
  }

  /** Ends the transaction: later calls throw. */
  void close() {
    closed = true;
  }

  boolean hasWrites() {
    return writes.values().stream().anyMatch(w -> !w.isEmpty());
  }

  /**
   * The proposal for the buffered writes, kind by kind in the order of {@link Kind#all()} and in
   * write order within a kind, with each object's expected version
   * taken from the base state and its timestamps set: {@code created_at_ms} kept from the base
   * object (or {@code nowMs} for a new one), {@code updated_at_ms = nowMs}.
   *
   * @throws IllegalArgumentException if the proposal would take more than {@link
   *     ClusterStore#MAX_PROPOSAL_BYTES} of a log entry ({@link #entrySize})
   */
  StoreProposal toProposal(long nowMs) {
    StoreProposal.Builder proposal = StoreProposal.newBuilder().setProposedAtMs(nowMs);
    for (Kind<?> kind : Kind.all()) {
      writes
          .getOrDefault(kind, Map.of())
          .forEach((id, object) -> proposal.addActions(action(kind, id, object, nowMs)));
    }
    StoreProposal built = proposal.build();
    int size = entrySize(built);
    if (size > ClusterStore.MAX_PROPOSAL_BYTES) {
      throw new IllegalArgumentException(
          "the transaction writes "
              + built.getActionsCount()
              + " objects in "
              + size
              + " bytes, more than the "
              + ClusterStore.MAX_PROPOSAL_BYTES
              + " bytes (1.5 MiB) one update may write; nothing was written. Split the writes"
              + " across several updates.");
    }
    return built;
  }

  /**
   * The bytes {@code proposal} takes in a {@link StoreBatch}: its serialized size plus its field
   * tag and length. A proposal within the cap therefore always fits a log entry alone.
   */
  static int entrySize(StoreProposal proposal) {
    return CodedOutputStream.computeMessageSize(StoreBatch.PROPOSALS_FIELD_NUMBER, proposal);
  }

  private <T extends Message> StoreAction action(
      Kind<T> kind, String id, Message object, long nowMs) {
    T old = base.tables().table(kind).get(id);
    Meta oldMeta = old == null ? null : kind.meta(old);
    StoreAction.Builder action =
        StoreAction.newBuilder().setExpectedVersion(oldMeta == null ? 0 : oldMeta.getVersion());
    if (object == null) {
      return action.setDelete(kind.ref(id)).build();
    }
    Meta meta =
        Meta.newBuilder()
            .setVersion(oldMeta == null ? 0 : oldMeta.getVersion())
            .setCreatedAtMs(oldMeta == null ? nowMs : oldMeta.getCreatedAtMs())
            .setUpdatedAtMs(nowMs)
            .build();
    return action.setPut(kind.wrap(kind.withMeta(kind.cast(object), meta))).build();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("transaction used after its update function returned");
    }
  }
}
