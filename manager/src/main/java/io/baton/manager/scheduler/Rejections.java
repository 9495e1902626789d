package io.baton.manager.scheduler;

import java.util.ArrayList;
import java.util.List;

/** Counts, per filter, the nodes it ruled out for one task group, and explains the count. */
final class Rejections {
  private final int[] counts = new int[Filter.values().length];

  void add(Filter filter) {
    counts[filter.ordinal()]++;
  }

  void add(Filter filter, int nodes) {
    counts[filter.ordinal()] += nodes;
  }

  /**
   * Why no node is left, Swarm style: {@code no suitable node (1 node not available for new tasks;
   * scheduling constraints not satisfied on 3 nodes)}. Each node is counted once, under the first
   * filter that ruled it out.
   */
  String reason() {
    List<String> parts = new ArrayList<>();
    for (Filter filter : Filter.values()) {
      if (counts[filter.ordinal()] > 0) {
        parts.add(filter.describe(counts[filter.ordinal()]));
      }
    }
    return "no suitable node (" + (parts.isEmpty() ? "the cluster has no nodes" : String.join("; ", parts)) + ")";
  }
}
