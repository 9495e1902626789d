package io.baton.store;

import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The objects of one {@link Kind} by id, with the kind's {@linkplain SecondaryIndex secondary
 * indexes}. Immutable: {@link #put} and {@link #remove} return a new table sharing all but
 * O(log n) nodes with this one, so both take O(log n) time per index.
 */
final class ObjectTable<T extends Message> {

  private final Kind<T> kind;
  private final PersistentTreeMap<String, T> objects;

  /** One map per index of the kind, in the order of {@link Kind#indexes()}. */
  private final List<PersistentTreeMap<IndexKey, T>> indexes;

  private ObjectTable(
      Kind<T> kind,
      PersistentTreeMap<String, T> objects,
      List<PersistentTreeMap<IndexKey, T>> indexes) {
    this.kind = kind;
    this.objects = objects;
    this.indexes = indexes;
  }

  static <T extends Message> ObjectTable<T> empty(Kind<T> kind) {
    List<PersistentTreeMap<IndexKey, T>> indexes = new ArrayList<>();
    for (int i = 0; i < kind.indexes().size(); i++) {
      indexes.add(PersistentTreeMap.empty());
    }
    return new ObjectTable<>(kind, PersistentTreeMap.empty(), List.copyOf(indexes));
  }

  Kind<T> kind() {
    return kind;
  }

  /** The object with this id, or {@code null}. */
  T get(String id) {
    return objects.get(id);
  }

  int size() {
    return objects.size();
  }

  /** All objects sorted by id; an unmodifiable list. */
  List<T> list() {
    return objects.values();
  }

  /** The objects whose {@code index} field is {@code key}, sorted by id; an unmodifiable list. */
  List<T> lookup(SecondaryIndex<T> index, String key) {
    List<T> out = new ArrayList<>();
    indexes
        .get(position(index))
        .forEachFrom(
            new IndexKey(key, ""),
            (k, object) -> {
              if (!k.key().equals(key)) {
                return false;
              }
              out.add(object);
              return true;
            });
    return Collections.unmodifiableList(out);
  }

  /** This table with {@code object} stored under its id, replacing any object of that id. */
  ObjectTable<T> put(T object) {
    String id = kind.id(object);
    T old = objects.get(id);
    List<PersistentTreeMap<IndexKey, T>> next = new ArrayList<>(indexes.size());
    for (int i = 0; i < indexes.size(); i++) {
      SecondaryIndex<T> index = kind.indexes().get(i);
      PersistentTreeMap<IndexKey, T> map = indexes.get(i);
      if (old != null) {
        map = map.remove(new IndexKey(index.key().apply(old), id));
      }
      next.add(map.put(new IndexKey(index.key().apply(object), id), object));
    }
    return new ObjectTable<>(kind, objects.put(id, object), List.copyOf(next));
  }

  /** This table without the object of this id; this very table if there is none. */
  ObjectTable<T> remove(String id) {
    T old = objects.get(id);
    if (old == null) {
      return this;
    }
    List<PersistentTreeMap<IndexKey, T>> next = new ArrayList<>(indexes.size());
    for (int i = 0; i < indexes.size(); i++) {
      SecondaryIndex<T> index = kind.indexes().get(i);
      next.add(indexes.get(i).remove(new IndexKey(index.key().apply(old), id)));
    }
    return new ObjectTable<>(kind, objects.remove(id), List.copyOf(next));
  }

  private int position(SecondaryIndex<T> index) {
    List<SecondaryIndex<T>> all = kind.indexes();
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i) == index) {
        return i;
      }
    }
    throw new IllegalArgumentException("the " + kind.noun() + " kind has no index " + index.name());
  }

  /** An index entry: objects sort by indexed value, then by id. */
  private record IndexKey(String key, String id) implements Comparable<IndexKey> {
    @Override
    public int compareTo(IndexKey o) {
      int c = key.compareTo(o.key);
      return c != 0 ? c : id.compareTo(o.id);
    }
  }
}
