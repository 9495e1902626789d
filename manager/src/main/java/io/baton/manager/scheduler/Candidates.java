package io.baton.manager.scheduler;

import java.util.Arrays;

/**
 * The candidate nodes of one task group, ordered so each choice costs O(log nodes) per spread
 * level, and built in O(nodes) from a {@link Partition}.
 *
 * <p>The node chosen is always the minimum, over the nodes still eligible, of the tuple (tasks of
 * the service in the node's group for each spread preference in turn, tasks of the service on the
 * node, tasks on the node, node id). It is found by walking down a tree of heaps: a leaf holds
 * the nodes of one innermost group, ordered by the last three keys; a branch holds its subgroups,
 * ordered by their task count and then by their own best element, recursively. Placing a task
 * only ever makes the chosen node and the groups above it less attractive, so each heap on the
 * path just sifts its top down.
 *
 * <p>Only eligible nodes are kept: those failing an {@link Eligibility#current} filter are left
 * out when the candidates are built, and a node is checked again right after each placement on it
 * (the only event that can change its eligibility) and dropped for good if it fails; every node
 * dropped is counted in the {@link Rejections}.
 */
final class Candidates {
  private final NodeTable table;
  private final Eligibility eligibility;
  private final Rejections rejections;
  private final Bucket root;

  Candidates(NodeTable table, Partition partition, Eligibility eligibility, Rejections rejections) {
    this.table = table;
    this.eligibility = eligibility;
    this.rejections = rejections;
    this.root = bucket(partition.root());
  }

  /** Places one task on the best node left and returns its index, or -1 if no node is left. */
  int take() {
    return root.isEmpty() ? -1 : root.take();
  }

  private Bucket bucket(Partition.Shape shape) {
    return switch (shape) {
      case Partition.Nodes nodes -> new Leaf(nodes.nodes());
      case Partition.Split split -> new Branch(split);
    };
  }

  /** Bucket order: fewer tasks of the service, then the better best node. */
  private int order(Bucket a, Bucket b) {
    int c = Integer.compare(a.tasks, b.tasks);
    return c != 0 ? c : a.compareBest(b);
  }

  /**
   * A group of candidate nodes. Invariant: it holds only nodes that pass every filter now, since a
   * node's eligibility changes only when a task is placed on it, and it is checked right then.
   */
  private abstract sealed class Bucket permits Leaf, Branch {
    /** Tasks of the focused service on all of this group's nodes, eligible or not. */
    int tasks;

    abstract boolean isEmpty();

    /** Places a task on this non-empty bucket's best node and returns the node. */
    abstract int take();

    /** Compares the best nodes of two non-empty sibling buckets (same kind); never 0. */
    abstract int compareBest(Bucket sibling);
  }

  private final class Leaf extends Bucket {
    private final IntHeap nodes;

    Leaf(int[] group) {
      int[] eligible = new int[group.length];
      int size = 0;
      for (int node : group) {
        tasks += table.serviceTasks(node);
        Filter failed = eligibility.current(node);
        if (failed == null) {
          eligible[size++] = node;
        } else {
          rejections.add(failed);
        }
      }
      this.nodes = new IntHeap(Arrays.copyOf(eligible, size), table::compare);
    }

    @Override
    boolean isEmpty() {
      return nodes.isEmpty();
    }

    @Override
    int take() {
      int node = nodes.top();
      table.place(node, eligibility.reservations());
      tasks++;
      Filter failed = eligibility.current(node);
      if (failed == null) {
        nodes.topIncreased();
      } else {
        rejections.add(failed);
        nodes.removeTop();
      }
      return node;
    }

    @Override
    int compareBest(Bucket sibling) {
      return table.compare(nodes.top(), ((Leaf) sibling).nodes.top());
    }
  }

  private final class Branch extends Bucket {
    private final Bucket[] children;
    private final IntHeap order;

    Branch(Partition.Split split) {
      children = new Bucket[split.children().size()];
      int[] nonEmpty = new int[children.length];
      int size = 0;
      for (int i = 0; i < children.length; i++) {
        children[i] = bucket(split.children().get(i));
        tasks += children[i].tasks;
        if (!children[i].isEmpty()) {
          nonEmpty[size++] = i;
        }
      }
      order = new IntHeap(Arrays.copyOf(nonEmpty, size), (a, b) -> Candidates.this.order(children[a], children[b]));
    }

    @Override
    boolean isEmpty() {
      return order.isEmpty();
    }

    @Override
    int take() {
      Bucket child = children[order.top()];
      int node = child.take();
      tasks++;
      if (child.isEmpty()) {
        order.removeTop();
      } else {
        order.topIncreased();
      }
      return node;
    }

    @Override
    int compareBest(Bucket sibling) {
      Branch other = (Branch) sibling;
      return Candidates.this.order(children[order.top()], other.children[other.order.top()]);
    }
  }
}
