package io.baton.manager.scheduler;

import io.baton.manager.constraint.InvalidConstraintException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The partitions of one pass, built on first use and shared by task groups with equal placement
 * rules, so many services with the same constraints cost one filtering of the nodes.
 */
final class Partitions {
  /**
   * Node indexes kept before the cache is dropped: 4 million ints (16 MiB) is 4,000 distinct rule
   * sets on a 1,000-node cluster, far more than real clusters have, and bounds memory when every
   * service has its own constraints.
   */
  private static final long MAX_CACHED_NODES = 4_000_000;

  private final NodeTable table;
  private final Map<PlacementRules.Key, PlacementRules> rules = new HashMap<>();
  private final Map<PlacementRules.Key, Partition> partitions = new HashMap<>();
  private long cachedNodes;

  Partitions(NodeTable table) {
    this.table = table;
  }

  /**
   * All nodes, partitioned by the group's rules.
   *
   * @throws InvalidConstraintException if the rules do not parse
   */
  Partition anywhere(TaskGroup group) throws InvalidConstraintException {
    PlacementRules.Key key = PlacementRules.Key.of(group.placement());
    Partition partition = partitions.get(key);
    if (partition == null) {
      PlacementRules parsed = rules(key);
      partition = Partition.of(table, parsed, 0, table.size(), parsed.spread());
      if (cachedNodes + partition.size() > MAX_CACHED_NODES) {
        partitions.clear();
        cachedNodes = 0;
      }
      partitions.put(key, partition);
      cachedNodes += partition.size();
    }
    return partition;
  }

  /**
   * Node {@code node} alone, filtered by the group's rules (spread is moot for one node).
   *
   * @throws InvalidConstraintException if the rules do not parse
   */
  Partition only(TaskGroup group, int node) throws InvalidConstraintException {
    return Partition.of(table, rules(PlacementRules.Key.of(group.placement())), node, node + 1, List.of());
  }

  private PlacementRules rules(PlacementRules.Key key) throws InvalidConstraintException {
    PlacementRules parsed = rules.get(key);
    if (parsed == null) {
      parsed = PlacementRules.parse(key);
      rules.put(key, parsed);
    }
    return parsed;
  }
}
