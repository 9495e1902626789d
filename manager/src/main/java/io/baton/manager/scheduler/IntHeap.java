package io.baton.manager.scheduler;

/**
 * A binary min-heap of ints under a caller-supplied order that may read mutable state. Built in
 * O(n); the caller may only make the top's key larger ({@link #topIncreased}), which is all the
 * scheduler needs: placing a task only ever makes a node or bucket less attractive.
 */
final class IntHeap {

  /** A total order on the items; must not return 0 for distinct items. */
  @FunctionalInterface
  interface Order {
    int compare(int a, int b);
  }

  private final int[] items;
  private final Order order;
  private int size;

  /** A heap of the given items, which it takes over. */
  IntHeap(int[] items, Order order) {
    this.items = items;
    this.order = order;
    this.size = items.length;
    for (int i = size / 2 - 1; i >= 0; i--) {
      siftDown(i);
    }
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The smallest item; the heap must not be empty. */
  int top() {
    return items[0];
  }

  /** Drops the smallest item. */
  void removeTop() {
    items[0] = items[--size];
    siftDown(0);
  }

  /** Restores order after the top item's key grew. */
  void topIncreased() {
    siftDown(0);
  }

  private void siftDown(int i) {
    int item = items[i];
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && order.compare(items[child + 1], items[child]) < 0) {
        child++;
      }
      if (order.compare(items[child], item) >= 0) {
        break;
      }
      items[i] = items[child];
      i = child;
    }
    items[i] = item;
  }
}
