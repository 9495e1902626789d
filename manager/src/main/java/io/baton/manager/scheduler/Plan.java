package io.baton.manager.scheduler;

import java.util.List;

/**
 * The outcome of one scheduling pass. Every schedulable input task appears exactly once, in one of
 * the two lists; both lists are in the order the scheduler decided them and are immutable.
 *
 * @param assignments tasks to move to ASSIGNED on the named node
 * @param unschedulable tasks to leave pending, with the reason to record in their status
 */
public record Plan(List<Assignment> assignments, List<Unschedulable> unschedulable) {
  public Plan {
    assignments = List.copyOf(assignments);
    unschedulable = List.copyOf(unschedulable);
  }
}
