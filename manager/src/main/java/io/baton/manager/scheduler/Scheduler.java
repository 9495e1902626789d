package io.baton.manager.scheduler;

import io.baton.api.Node;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.manager.constraint.InvalidConstraintException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides which node each pending task runs on, in one batch pass, as SwarmKit's scheduler does.
 *
 * <p>Pure and deterministic: no store, clock or randomness; the plan depends only on the contents
 * of the three lists, not on their order. Stateless and thread-safe.
 *
 * <p>Filters: a node can take a task if it passes, in order: (1) status READY and availability
 * ACTIVE; (2) every placement constraint of the task; (3) fewer tasks of the service than {@code
 * max_replicas_per_node} (0: no limit); (4) unreserved CPU and memory covering the task's
 * reservations, where capacity comes from the node's description (0: unknown, so unlimited) and
 * reserved is the sum over its live tasks, including those placed earlier in the same plan. A task
 * no node passes is reported with a count of the nodes each filter ruled out.
 *
 * <p>Preference: among the nodes left, the task goes to the minimum of (tasks of its service in
 * the node's value group for each spread preference in turn, tasks of its service on the node,
 * tasks on the node, node id). Nodes without a spread attribute form a group of their own.
 *
 * <p>Order and cost: preassigned tasks go first, then tasks grouped by service, then by equal
 * reservations and placement, in service id and slot order. Nodes are filtered by availability and
 * constraints once per distinct constraint and spread set; each group then builds its candidate
 * heaps in O(nodes) and places each task in O(log nodes) per spread level.
 */
public final class Scheduler {

  /**
   * Preassigned tasks first (they can go nowhere else, so they claim their node's resources before
   * free tasks do), then by service, node, slot and id: a total order, so input order never matters.
   */
  private static final Comparator<Task> ORDER = Comparator
      .comparing((Task t) -> t.getNodeId().isEmpty())
      .thenComparing(Task::getServiceId)
      .thenComparing(Task::getNodeId)
      .thenComparing(Task::getSlot, Long::compareUnsigned)
      .thenComparing(Task::getId);

  /**
   * Places the pending tasks.
   *
   * @param nodes every node of the cluster; ids must be distinct
   * @param unassigned tasks to place, ids distinct: status NEW or PENDING with desired state
   *     RUNNING (others are ignored, see {@link #isSchedulable}); normally with an empty node id.
   *     A task that already names a node (a global service's task) is preassigned: it is only
   *     checked against that node's filters (spread does not apply), and placed before free tasks
   * @param assigned every other non-terminal task on a node, whose slot and reservations count;
   *     terminal tasks, tasks without a node and tasks on unknown nodes are ignored. A task must
   *     not be in both lists
   * @return every schedulable task of {@code unassigned} exactly once, assigned or unschedulable
   * @throws IllegalArgumentException if two nodes share an id
   */
  public Plan schedule(List<Node> nodes, List<Task> unassigned, List<Task> assigned) {
    List<Task> pending = new ArrayList<>(unassigned.size());
    Set<String> services = new HashSet<>();
    for (Task task : unassigned) {
      if (isSchedulable(task)) {
        pending.add(task);
        services.add(task.getServiceId());
      }
    }
    pending.sort(ORDER);
    NodeTable table = NodeTable.of(nodes, assigned, services);
    Partitions partitions = new Partitions(table);
    List<Assignment> assignments = new ArrayList<>(pending.size());
    List<Unschedulable> unschedulable = new ArrayList<>();
    for (TaskGroup group : TaskGroup.of(pending)) {
      table.focus(group.serviceId());
      Outcome outcome = place(table, partitions, group, assignments);
      for (Task task : group.tasks().subList(outcome.placed(), group.tasks().size())) {
        unschedulable.add(new Unschedulable(task.getId(), outcome.reason()));
      }
    }
    return new Plan(assignments, unschedulable);
  }

  /** How many of a group's tasks (in order) were placed, and why the rest were not. */
  private record Outcome(int placed, String reason) {}

  /** Places the group's tasks in order until no node is left. */
  private static Outcome place(NodeTable table, Partitions partitions, TaskGroup group,
      List<Assignment> assignments) {
    Partition partition;
    try {
      if (group.preassigned()) {
        int node = table.indexOf(group.nodeId());
        if (node < 0) {
          return new Outcome(0, "assigned node " + group.nodeId() + " is not in the cluster");
        }
        partition = partitions.only(group, node);
      } else {
        partition = partitions.anywhere(group);
      }
    } catch (InvalidConstraintException e) {
      return new Outcome(0, e.getMessage());
    }
    Rejections rejections = partition.rejections();
    Candidates candidates = new Candidates(table, partition, new Eligibility(table, group), rejections);
    int placed = 0;
    for (Task task : group.tasks()) {
      int node = candidates.take();
      if (node < 0) {
        return new Outcome(placed, rejections.reason());
      }
      assignments.add(new Assignment(task.getId(), table.id(node)));
      placed++;
    }
    return new Outcome(placed, null);
  }

  /**
   * True if the task is waiting to be placed: status NEW or PENDING and desired state RUNNING (a
   * pending task the orchestrator already wants stopped is not placed).
   */
  public static boolean isSchedulable(Task task) {
    TaskState state = task.getStatus().getState();
    return (state == TaskState.TASK_STATE_NEW || state == TaskState.TASK_STATE_PENDING)
        && task.getDesiredState() == TaskState.TASK_STATE_RUNNING;
  }

  /**
   * True for states a task never leaves (COMPLETE and later); such a task holds no resources. A
   * state unknown to this version counts as not terminal, so its reservations stay counted.
   */
  public static boolean isTerminal(TaskState state) {
    return state != TaskState.UNRECOGNIZED && state.getNumber() >= TaskState.TASK_STATE_COMPLETE_VALUE;
  }
}
