package io.baton.manager.dispatcher;

import io.baton.api.AssignedSecret;
import io.baton.api.Node;
import io.baton.api.Secret;
import io.baton.api.SecretReference;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.manager.constraint.Constraint;
import io.baton.manager.constraint.InvalidConstraintException;
import io.baton.manager.orchestrator.TaskStates;
import io.baton.store.ReadView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one node is given: its assigned, not yet ended tasks and the values of exactly the secrets
 * those tasks reference, after the secrets' zone policies.
 *
 * <p>Security: this is the only place a secret's value leaves the store for a node. A secret goes
 * to a node only if an assigned task of that node references it and the node satisfies every
 * node constraint of the secret (read from the stored node: manager-set labels, role and id, never
 * what the node reports). A task that references a secret its node may not have is not sent at all
 * and is listed in {@link #rejected()} with a reason, so the dispatcher can mark it rejected.
 *
 * @param tasks the tasks to push
 * @param secrets the secret values to push, one per secret, in the order first referenced
 * @param rejected tasks withheld by a zone policy, each with its reason
 */
record Assignments(List<Task> tasks, List<AssignedSecret> secrets, Map<String, String> rejected) {
  Assignments {
    tasks = List.copyOf(tasks);
    secrets = List.copyOf(secrets);
    rejected = Map.copyOf(rejected);
  }

  static Assignments of(ReadView view, Node node) {
    List<Task> tasks = new ArrayList<>();
    Map<String, AssignedSecret> secrets = new LinkedHashMap<>();
    Map<String, String> rejected = new LinkedHashMap<>();
    for (Task task : view.tasksOfNode(node.getId())) {
      if (task.getStatus().getState().getNumber() < TaskState.TASK_STATE_ASSIGNED_VALUE
          || TaskStates.isTerminal(task.getStatus().getState())) {
        continue;
      }
      Map<String, AssignedSecret> own = new LinkedHashMap<>();
      Optional<String> refusal = Optional.empty();
      for (SecretReference ref : task.getSpec().getContainer().getSecretsList()) {
        Optional<Secret> secret = view.secret(ref.getSecretId());
        if (secret.isEmpty()) {
          // Removed after the task was made: the agent rejects the task for want of it.
          continue;
        }
        refusal = zoneRefusal(secret.get(), node);
        if (refusal.isPresent()) {
          break;
        }
        own.put(ref.getSecretId(), AssignedSecret.newBuilder()
            .setId(secret.get().getId())
            .setName(secret.get().getSpec().getName())
            .setData(secret.get().getData())
            .build());
      }
      if (refusal.isPresent()) {
        rejected.put(task.getId(), refusal.get());
      } else {
        tasks.add(task);
        secrets.putAll(own);
      }
    }
    return new Assignments(tasks, List.copyOf(secrets.values()), rejected);
  }

  /** Why {@code node} may not hold {@code secret}, if it may not. */
  private static Optional<String> zoneRefusal(Secret secret, Node node) {
    for (String expression : secret.getSpec().getNodeConstraintsList()) {
      boolean allowed;
      try {
        allowed = Constraint.parse(expression).matches(node);
      } catch (InvalidConstraintException e) {
        allowed = false;
      }
      if (!allowed) {
        return Optional.of("secret " + secret.getSpec().getName() + " may not be sent to node "
            + node.getId() + ": it does not satisfy the secret's node constraint " + expression);
      }
    }
    return Optional.empty();
  }
}
