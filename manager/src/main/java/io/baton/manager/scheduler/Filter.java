package io.baton.manager.scheduler;

/** The checks a node must pass to take a task, in the order they are applied. */
enum Filter {
  /** Status READY and availability ACTIVE (not down, paused or drained). */
  AVAILABILITY("", " not available for new tasks"),
  /** Every placement constraint of the task matches. */
  CONSTRAINTS("scheduling constraints not satisfied on ", ""),
  /** Fewer tasks of the service on the node than the task's max_replicas_per_node. */
  MAX_REPLICAS("max replicas per node reached on ", ""),
  /** Unreserved CPU and memory cover the task's reservations. */
  RESOURCES("insufficient resources on ", "");

  private final String before;
  private final String after;

  Filter(String before, String after) {
    this.before = before;
    this.after = after;
  }

  /** How many nodes this filter ruled out, e.g. "insufficient resources on 2 nodes". */
  String describe(int nodes) {
    return before + nodes + (nodes == 1 ? " node" : " nodes") + after;
  }
}
