package io.baton.store;

import com.google.protobuf.Message;

/**
 * One {@link ObjectTable} per {@link Kind}: every object of one version of the store. Immutable;
 * {@link #put} and {@link #remove} share all tables but the changed one with this instance.
 */
final class ObjectTables {

  static final ObjectTables EMPTY = empty();

  /** Indexed by {@code kind.proto().getNumber()}; slots of numbers without a kind are null. */
  private final ObjectTable<?>[] tables;

  private ObjectTables(ObjectTable<?>[] tables) {
    this.tables = tables;
  }

  private static ObjectTables empty() {
    int max = 0;
    for (Kind<?> k : Kind.all()) {
      max = Math.max(max, k.proto().getNumber());
    }
    ObjectTable<?>[] tables = new ObjectTable<?>[max + 1];
    for (Kind<?> k : Kind.all()) {
      tables[k.proto().getNumber()] = ObjectTable.empty(k);
    }
    return new ObjectTables(tables);
  }

  @SuppressWarnings("unchecked")
  <T extends Message> ObjectTable<T> table(Kind<T> kind) {
    return (ObjectTable<T>) tables[kind.proto().getNumber()];
  }

  /** These tables with {@code object} stored under its id in its kind's table. */
  <T extends Message> ObjectTables put(Kind<T> kind, T object) {
    return with(kind, table(kind).put(object));
  }

  /** These tables without the object of {@code kind} and {@code id}. */
  <T extends Message> ObjectTables remove(Kind<T> kind, String id) {
    ObjectTable<T> table = table(kind);
    ObjectTable<T> next = table.remove(id);
    return next == table ? this : with(kind, next);
  }

  private ObjectTables with(Kind<?> kind, ObjectTable<?> table) {
    ObjectTable<?>[] next = tables.clone();
    next[kind.proto().getNumber()] = table;
    return new ObjectTables(next);
  }
}
