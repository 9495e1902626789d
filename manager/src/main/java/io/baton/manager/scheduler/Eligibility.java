package io.baton.manager.scheduler;

import io.baton.api.Resources;

/**
 * The filters of one task group that depend on what has been placed: max replicas per node and
 * resources. Both only get stricter as tasks are placed, so a node that fails them once stays out
 * for the rest of the group.
 */
final class Eligibility {
  private final NodeTable table;
  private final long maxReplicas;
  private final Resources reservations;

  Eligibility(NodeTable table, TaskGroup group) {
    this.table = table;
    this.maxReplicas = Integer.toUnsignedLong(group.placement().getMaxReplicasPerNode());
    this.reservations = group.reservations();
  }

  Resources reservations() {
    return reservations;
  }

  /** The first of these filters node i fails now, or null. */
  Filter current(int i) {
    if (maxReplicas > 0 && table.serviceTasks(i) >= maxReplicas) {
      return Filter.MAX_REPLICAS;
    }
    return table.fits(i, reservations) ? null : Filter.RESOURCES;
  }
}
