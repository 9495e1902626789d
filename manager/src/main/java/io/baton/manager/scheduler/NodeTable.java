package io.baton.manager.scheduler;

import io.baton.api.Availability;
import io.baton.api.Node;
import io.baton.api.NodeState;
import io.baton.api.Resources;
import io.baton.api.Task;
import io.baton.store.JoinApproval;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The nodes of one scheduling pass, indexed 0..n-1 in node-id order, with counters kept up to date
 * as tasks are placed: CPU and memory reserved, tasks in total, and tasks of the one service being
 * scheduled (the focused service). Node index order is node-id order, so index is the final,
 * deterministic tie-break.
 */
final class NodeTable {
  private final Node[] nodes;
  private final Map<String, Integer> index;
  private final boolean[] available;
  private final long[] cpuCapacity;
  private final long[] memoryCapacity;
  private final long[] cpuReserved;
  private final long[] memoryReserved;
  private final int[] tasks;
  private final int[] serviceTasks;
  /** Node index of every live task of each service that has tasks to place, one entry per task. */
  private final Map<String, List<Integer>> tasksByService = new HashMap<>();
  private String focused;

  private NodeTable(List<Node> sorted) {
    int n = sorted.size();
    nodes = sorted.toArray(Node[]::new);
    index = HashMap.newHashMap(n);
    available = new boolean[n];
    cpuCapacity = new long[n];
    memoryCapacity = new long[n];
    cpuReserved = new long[n];
    memoryReserved = new long[n];
    tasks = new int[n];
    serviceTasks = new int[n];
    for (int i = 0; i < n; i++) {
      Node node = nodes[i];
      if (index.put(node.getId(), i) != null) {
        throw new IllegalArgumentException("duplicate node id " + node.getId());
      }
      // A node awaiting join approval never has a session, so never READY; checked anyway.
      available[i] = node.getStatus().getState() == NodeState.NODE_STATE_READY
          && node.getSpec().getAvailability() == Availability.AVAILABILITY_ACTIVE
          && !JoinApproval.isPending(node);
      cpuCapacity[i] = Math.max(0, node.getDescription().getNanoCpus());
      memoryCapacity[i] = Math.max(0, node.getDescription().getMemoryBytes());
    }
  }

  /**
   * The table for the given nodes, charged with the live tasks already on them. Tasks on nodes not
   * in {@code nodes}, without a node, or in a terminal state are ignored.
   *
   * @param services the services whose per-node task counts will be needed ({@link #focus})
   */
  static NodeTable of(List<Node> nodes, List<Task> assigned, Set<String> services) {
    List<Node> sorted = new ArrayList<>(nodes);
    sorted.sort(Comparator.comparing(Node::getId));
    NodeTable table = new NodeTable(sorted);
    for (String service : services) {
      table.tasksByService.put(service, new ArrayList<>());
    }
    for (Task task : assigned) {
      Integer i = task.getNodeId().isEmpty() ? null : table.index.get(task.getNodeId());
      if (i != null && !Scheduler.isTerminal(task.getStatus().getState())) {
        table.charge(i, task.getServiceId(), task.getSpec().getReservations());
      }
    }
    return table;
  }

  int size() {
    return nodes.length;
  }

  Node node(int i) {
    return nodes[i];
  }

  String id(int i) {
    return nodes[i].getId();
  }

  /** The index of a node id, or -1 if it is not in the table. */
  int indexOf(String nodeId) {
    Integer i = index.get(nodeId);
    return i == null ? -1 : i;
  }

  boolean available(int i) {
    return available[i];
  }

  /**
   * Makes {@link #serviceTasks} count the tasks of this service, which must be one of {@code
   * services}. Costs O(tasks of the previous and the new service), not O(nodes).
   */
  void focus(String serviceId) {
    if (serviceId.equals(focused)) {
      return;
    }
    if (focused != null) {
      for (int i : tasksByService.get(focused)) {
        serviceTasks[i] = 0;
      }
    }
    for (int i : tasksByService.get(serviceId)) {
      serviceTasks[i]++;
    }
    focused = serviceId;
  }

  /** Live tasks of the focused service on node i. */
  int serviceTasks(int i) {
    return serviceTasks[i];
  }

  /** Whether the unreserved capacity of node i covers the reservations; 0 capacity is unlimited. */
  boolean fits(int i, Resources want) {
    return fits(cpuCapacity[i], cpuReserved[i], want.getNanoCpus())
        && fits(memoryCapacity[i], memoryReserved[i], want.getMemoryBytes());
  }

  private static boolean fits(long capacity, long reserved, long want) {
    return want <= 0 || capacity == 0 || reserved + want <= capacity;
  }

  /** Records a task of the focused service placed on node i. */
  void place(int i, Resources reservations) {
    charge(i, focused, reservations);
    serviceTasks[i]++;
  }

  private void charge(int i, String serviceId, Resources reservations) {
    cpuReserved[i] += Math.max(0, reservations.getNanoCpus());
    memoryReserved[i] += Math.max(0, reservations.getMemoryBytes());
    tasks[i]++;
    List<Integer> ofService = tasksByService.get(serviceId);
    if (ofService != null) {
      ofService.add(i);
    }
  }

  /**
   * Preference order of nodes for the focused service: fewer tasks of the service, then fewer
   * tasks in total, then node id. Never 0 for distinct nodes.
   */
  int compare(int a, int b) {
    int c = Integer.compare(serviceTasks[a], serviceTasks[b]);
    if (c == 0) {
      c = Integer.compare(tasks[a], tasks[b]);
    }
    return c != 0 ? c : Integer.compare(a, b);
  }
}
