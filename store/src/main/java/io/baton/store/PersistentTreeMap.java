package io.baton.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.BiPredicate;

/**
 * An immutable sorted map: an AVL tree whose updates copy only the path from the root to the
 * changed node and share every other node with the map they were made from.
 *
 * <p>{@link #get}, {@link #put} and {@link #remove} take O(log n) time and allocate O(log n)
 * nodes; {@link #size} is O(1). Keys are ordered by their natural ordering; neither keys nor
 * values may be null. Instances never change, so they are safe to share between threads, and
 * every operation is deterministic.
 */
final class PersistentTreeMap<K extends Comparable<? super K>, V> {

  private static final PersistentTreeMap<?, ?> EMPTY = new PersistentTreeMap<>(null);

  private final Node<K, V> root;

  private PersistentTreeMap(Node<K, V> root) {
    this.root = root;
  }

  @SuppressWarnings("unchecked")
  static <K extends Comparable<? super K>, V> PersistentTreeMap<K, V> empty() {
    return (PersistentTreeMap<K, V>) EMPTY;
  }

  int size() {
    return root == null ? 0 : root.size;
  }

  boolean isEmpty() {
    return root == null;
  }

  /** The value of {@code key}, or {@code null} if it has none. */
  V get(K key) {
    Objects.requireNonNull(key, "key");
    Node<K, V> n = root;
    while (n != null) {
      int c = key.compareTo(n.key);
      if (c == 0) {
        return n.value;
      }
      n = c < 0 ? n.left : n.right;
    }
    return null;
  }

  /** This map with {@code key} mapped to {@code value}. */
  PersistentTreeMap<K, V> put(K key, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return new PersistentTreeMap<>(put(root, key, value));
  }

  /** This map without {@code key}; this very map if it has no such key. */
  PersistentTreeMap<K, V> remove(K key) {
    Objects.requireNonNull(key, "key");
    Node<K, V> next = remove(root, key);
    return next == root ? this : new PersistentTreeMap<>(next);
  }

  /** All values in key order; an unmodifiable list. */
  List<V> values() {
    List<V> out = new ArrayList<>(size());
    visitFrom(root, null, (k, v) -> out.add(v));
    return Collections.unmodifiableList(out);
  }

  /**
   * Calls {@code visitor} with each entry whose key is at least {@code from} ({@code null}: every
   * entry), in key order, until it returns {@code false}.
   */
  void forEachFrom(K from, BiPredicate<? super K, ? super V> visitor) {
    visitFrom(root, from, Objects.requireNonNull(visitor, "visitor"));
  }

  private static <K extends Comparable<? super K>, V> boolean visitFrom(
      Node<K, V> n, K from, BiPredicate<? super K, ? super V> visitor) {
    if (n == null) {
      return true;
    }
    int c = from == null ? -1 : from.compareTo(n.key);
    if (c > 0) {
      return visitFrom(n.right, from, visitor);
    }
    if (c < 0 && !visitFrom(n.left, from, visitor)) {
      return false;
    }
    return visitor.test(n.key, n.value) && visitFrom(n.right, null, visitor);
  }

  private static <K extends Comparable<? super K>, V> Node<K, V> put(Node<K, V> n, K key, V value) {
    if (n == null) {
      return new Node<>(key, value, null, null);
    }
    int c = key.compareTo(n.key);
    if (c < 0) {
      return balance(n.key, n.value, put(n.left, key, value), n.right);
    }
    if (c > 0) {
      return balance(n.key, n.value, n.left, put(n.right, key, value));
    }
    return new Node<>(key, value, n.left, n.right);
  }

  private static <K extends Comparable<? super K>, V> Node<K, V> remove(Node<K, V> n, K key) {
    if (n == null) {
      return null;
    }
    int c = key.compareTo(n.key);
    if (c < 0) {
      Node<K, V> left = remove(n.left, key);
      return left == n.left ? n : balance(n.key, n.value, left, n.right);
    }
    if (c > 0) {
      Node<K, V> right = remove(n.right, key);
      return right == n.right ? n : balance(n.key, n.value, n.left, right);
    }
    if (n.left == null) {
      return n.right;
    }
    if (n.right == null) {
      return n.left;
    }
    Node<K, V> min = n.right;
    while (min.left != null) {
      min = min.left;
    }
    return balance(min.key, min.value, n.left, removeMin(n.right));
  }

  private static <K extends Comparable<? super K>, V> Node<K, V> removeMin(Node<K, V> n) {
    return n.left == null ? n.right : balance(n.key, n.value, removeMin(n.left), n.right);
  }

  /** A node over subtrees whose heights differ by at most 2, rotated back into AVL shape. */
  private static <K extends Comparable<? super K>, V> Node<K, V> balance(
      K key, V value, Node<K, V> left, Node<K, V> right) {
    int hl = height(left);
    int hr = height(right);
    if (hl > hr + 1) {
      if (height(left.left) >= height(left.right)) {
        return new Node<>(
            left.key, left.value, left.left, new Node<>(key, value, left.right, right));
      }
      Node<K, V> lr = left.right;
      return new Node<>(
          lr.key,
          lr.value,
          new Node<>(left.key, left.value, left.left, lr.left),
          new Node<>(key, value, lr.right, right));
    }
    if (hr > hl + 1) {
      if (height(right.right) >= height(right.left)) {
        return new Node<>(
            right.key, right.value, new Node<>(key, value, left, right.left), right.right);
      }
      Node<K, V> rl = right.left;
      return new Node<>(
          rl.key,
          rl.value,
          new Node<>(key, value, left, rl.left),
          new Node<>(right.key, right.value, rl.right, right.right));
    }
    return new Node<>(key, value, left, right);
  }

  private static int height(Node<?, ?> n) {
    return n == null ? 0 : n.height;
  }

  /**
   * Checks the tree's invariants (order, AVL balance, cached heights and sizes), for tests.
   *
   * @throws IllegalStateException naming the first one violated
   */
  void checkInvariants() {
    check(root, null, null);
  }

  private static <K extends Comparable<? super K>> void check(Node<K, ?> n, K low, K high) {
    if (n == null) {
      return;
    }
    if ((low != null && n.key.compareTo(low) <= 0)
        || (high != null && n.key.compareTo(high) >= 0)) {
      throw new IllegalStateException("key " + n.key + " out of order");
    }
    check(n.left, low, n.key);
    check(n.right, n.key, high);
    if (Math.abs(height(n.left) - height(n.right)) > 1) {
      throw new IllegalStateException("unbalanced at " + n.key);
    }
    if (n.height != 1 + Math.max(height(n.left), height(n.right))
        || n.size != 1 + size(n.left) + size(n.right)) {
      throw new IllegalStateException("wrong height or size cached at " + n.key);
    }
  }

  private static int size(Node<?, ?> n) {
    return n == null ? 0 : n.size;
  }

  private static final class Node<K, V> {
    final K key;
    final V value;
    final Node<K, V> left;
    final Node<K, V> right;
    final int height;
    final int size;

    Node(K key, V value, Node<K, V> left, Node<K, V> right) {
      this.key = key;
      this.value = value;
      this.left = left;
      this.right = right;
      this.height = 1 + Math.max(height(left), height(right));
      this.size = 1 + size(left) + size(right);
    }
  }
}
