package io.baton.store;

import io.baton.api.store.ObjectRef;
import io.baton.api.store.StoreObject;
import java.util.List;
import java.util.Objects;

/**
 * What one applied update (one proposal) changed.
 *
 * @param index the Raft log index of the entry that carried the proposal, shared by the other
 *     proposals of that entry; objects in {@code changed} carry it as their {@code meta.version}
 * @param changed objects created or replaced, as stored
 * @param deleted objects removed
 */
public record StoreEvent(long index, List<StoreObject> changed, List<ObjectRef> deleted) {

  public StoreEvent {
    changed = List.copyOf(Objects.requireNonNull(changed, "changed"));
    deleted = List.copyOf(Objects.requireNonNull(deleted, "deleted"));
  }
}
