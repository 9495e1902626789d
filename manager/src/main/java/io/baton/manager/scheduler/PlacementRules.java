package io.baton.manager.scheduler;

import io.baton.api.Node;
import io.baton.api.Placement;
import io.baton.manager.constraint.Constraint;
import io.baton.manager.constraint.InvalidConstraintException;
import io.baton.manager.constraint.NodeAttribute;
import java.util.ArrayList;
import java.util.List;

/**
 * The parsed constraints and spread preferences of a placement: the part of a task's placement
 * that depends on nodes only, never on what has been placed, so its result is shared by every task
 * group with the same constraints and spread in a pass.
 *
 * @param constraints every one must match
 * @param spread spread preferences, outermost first
 */
record PlacementRules(List<Constraint> constraints, List<NodeAttribute> spread) {

  /** Identifies equal rules before parsing them. */
  record Key(List<String> constraints, List<String> spread) {
    static Key of(Placement placement) {
      return new Key(List.copyOf(placement.getConstraintsList()), List.copyOf(placement.getSpreadList()));
    }
  }

  /** @throws InvalidConstraintException if a constraint or spread preference does not parse */
  static PlacementRules parse(Key key) throws InvalidConstraintException {
    List<NodeAttribute> spread = new ArrayList<>();
    for (String attribute : key.spread()) {
      String problem = NodeAttribute.problemWith(attribute);
      if (problem != null) {
        throw new InvalidConstraintException("invalid spread preference '" + attribute + "': " + problem
            + "; use " + NodeAttribute.ACCEPTED_KEYS);
      }
      spread.add(NodeAttribute.parse(attribute));
    }
    return new PlacementRules(Constraint.parseAll(key.constraints()), List.copyOf(spread));
  }

  /** The first fixed filter node i of the table fails (availability, then constraints), or null. */
  Filter fixed(NodeTable table, int i) {
    if (!table.available(i)) {
      return Filter.AVAILABILITY;
    }
    Node node = table.node(i);
    for (Constraint constraint : constraints) {
      if (!constraint.matches(node)) {
        return Filter.CONSTRAINTS;
      }
    }
    return null;
  }
}
