package io.baton.manager.scheduler;

import io.baton.manager.constraint.NodeAttribute;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The nodes that pass a placement's fixed filters (availability and constraints), split into
 * nested groups by the values of its spread preferences, plus how many nodes each fixed filter
 * ruled out. Depends only on the nodes and the rules, so one partition serves every task group
 * with the same constraints and spread in a pass. Immutable.
 */
final class Partition {

  /** A group of nodes: either the nodes themselves or a split by the next spread attribute. */
  sealed interface Shape permits Nodes, Split {}

  /** Node indexes, in node-id order. */
  record Nodes(int[] nodes) implements Shape {}

  /** Subgroups, one per value of a spread attribute (nodes without the attribute form one too). */
  record Split(List<Shape> children) implements Shape {}

  private final Shape root;
  private final int size;
  private final int unavailable;
  private final int unmatched;

  private Partition(Shape root, int size, int unavailable, int unmatched) {
    this.root = root;
    this.size = size;
    this.unavailable = unavailable;
    this.unmatched = unmatched;
  }

  /** Partitions nodes {@code from..to-1} of the table by the rules, spread by {@code spread}. */
  static Partition of(NodeTable table, PlacementRules rules, int from, int to, List<NodeAttribute> spread) {
    int[] eligible = new int[to - from];
    int size = 0;
    int unavailable = 0;
    int unmatched = 0;
    for (int i = from; i < to; i++) {
      Filter failed = rules.fixed(table, i);
      if (failed == null) {
        eligible[size++] = i;
      } else if (failed == Filter.AVAILABILITY) {
        unavailable++;
      } else {
        unmatched++;
      }
    }
    Shape root = split(table, Arrays.copyOf(eligible, size), spread, 0);
    return new Partition(root, size, unavailable, unmatched);
  }

  private static Shape split(NodeTable table, int[] nodes, List<NodeAttribute> spread, int depth) {
    if (depth == spread.size()) {
      return new Nodes(nodes);
    }
    Map<String, IntList> byValue = new LinkedHashMap<>();
    for (int node : nodes) {
      byValue.computeIfAbsent(spread.get(depth).read(table.node(node)), v -> new IntList()).add(node);
    }
    List<Shape> children = new ArrayList<>(byValue.size());
    for (IntList group : byValue.values()) {
      children.add(split(table, group.toArray(), spread, depth + 1));
    }
    return new Split(List.copyOf(children));
  }

  Shape root() {
    return root;
  }

  /** Nodes that passed the fixed filters. */
  int size() {
    return size;
  }

  /** A fresh count of rejections, starting with the nodes the fixed filters ruled out. */
  Rejections rejections() {
    Rejections rejections = new Rejections();
    rejections.add(Filter.AVAILABILITY, unavailable);
    rejections.add(Filter.CONSTRAINTS, unmatched);
    return rejections;
  }

  private static final class IntList {
    private int[] items = new int[8];
    private int size;

    void add(int item) {
      if (size == items.length) {
        items = Arrays.copyOf(items, size * 2);
      }
      items[size++] = item;
    }

    int[] toArray() {
      return Arrays.copyOf(items, size);
    }
  }
}
