package io.baton.manager.controlapi;

import io.baton.api.ContainerSpec;
import io.baton.api.FailureAction;
import io.baton.api.ReplicatedService;
import io.baton.api.Resources;
import io.baton.api.RestartCondition;
import io.baton.api.RestartPolicy;
import io.baton.api.ServiceSpec;
import io.baton.api.TaskSpec;
import io.baton.api.UpdateConfig;
import io.baton.api.UpdateOrder;
import io.baton.manager.GrpcErrors;
import io.baton.manager.constraint.Constraint;
import io.baton.manager.constraint.InvalidConstraintException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Validation and defaults of service specs, in one place: what the control API accepts is what the
 * orchestrators can act on. Defaults follow docker's (1 replica, restart on any exit after 5 s,
 * updates one task at a time, stop-first, pausing on failure, 5 s monitor, 10 s stop grace).
 */
final class ServiceSpecs {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}");
  private static final Pattern ENV = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*", Pattern.DOTALL);
  /**
   * Replica counts above this are almost certainly typos; a cluster of this size is far off. Also
   * the bound of update parallelism (the orchestrators count tasks in ints).
   */
  static final long MAX_REPLICAS = 100_000;
  private static final long DEFAULT_RESTART_DELAY_MS = Duration.ofSeconds(5).toMillis();
  private static final long DEFAULT_MONITOR_MS = Duration.ofSeconds(5).toMillis();
  private static final long DEFAULT_STOP_GRACE_MS = Duration.ofSeconds(10).toMillis();

  private ServiceSpecs() {}

  /** The spec with defaults filled in, or INVALID_ARGUMENT naming the first problem. */
  static ServiceSpec normalize(ServiceSpec spec) {
    if (!NAME.matcher(spec.getName()).matches()) {
      throw GrpcErrors.invalid("invalid service name '" + spec.getName()
          + "': use letters, digits, '_', '.', '-', at most 63 characters, starting alphanumeric");
    }
    ServiceSpec.Builder out = spec.toBuilder();
    if (!spec.hasGlobal() && !spec.hasReplicated()) {
      out.setReplicated(ReplicatedService.newBuilder().setReplicas(1));
    }
    // replicas is a uint64: compare unsigned, or 2^63 and above would pass as negative
    if (spec.hasReplicated() && Long.compareUnsigned(spec.getReplicated().getReplicas(), MAX_REPLICAS) > 0) {
      throw GrpcErrors.invalid("replicas must be at most " + MAX_REPLICAS);
    }
    out.setTask(task(spec.getTask()));
    out.setUpdate(update(spec.getUpdate(), "update"));
    out.setRollback(update(spec.getRollback(), "rollback"));
    return out.build();
  }

  private static TaskSpec task(TaskSpec task) {
    ContainerSpec container = task.getContainer();
    if (container.getImage().isBlank()) {
      throw GrpcErrors.invalid("an image is required");
    }
    for (String env : container.getEnvList()) {
      if (!ENV.matcher(env).matches()) {
        throw GrpcErrors.invalid("invalid environment entry '" + env + "': use KEY=VALUE");
      }
    }
    if (container.getStopGracePeriodMs() < 0) {
      throw GrpcErrors.invalid("stop grace period must not be negative");
    }
    checkResources(task.getReservations(), "reservation");
    checkResources(task.getLimits(), "limit");
    try {
      Constraint.parseAll(task.getPlacement().getConstraintsList());
    } catch (InvalidConstraintException e) {
      throw GrpcErrors.invalid(e.getMessage());
    }
    RestartPolicy restart = task.getRestart();
    if (restart.getCondition() == RestartCondition.UNRECOGNIZED) {
      throw GrpcErrors.invalid("unknown restart condition " + restart.getConditionValue());
    }
    if (restart.getDelayMs() < 0 || restart.getWindowMs() < 0) {
      throw GrpcErrors.invalid("restart delay and window must not be negative");
    }
    RestartPolicy.Builder r = restart.toBuilder();
    if (restart.getCondition() == RestartCondition.RESTART_CONDITION_UNSPECIFIED) {
      r.setCondition(RestartCondition.RESTART_CONDITION_ANY);
    }
    if (!task.hasRestart()) {
      r.setDelayMs(DEFAULT_RESTART_DELAY_MS);
    }
    ContainerSpec.Builder c = container.toBuilder();
    if (container.getStopGracePeriodMs() == 0) {
      c.setStopGracePeriodMs(DEFAULT_STOP_GRACE_MS);
    }
    return task.toBuilder().setContainer(c).setRestart(r).build();
  }

  private static void checkResources(Resources resources, String what) {
    if (resources.getNanoCpus() < 0 || resources.getMemoryBytes() < 0) {
      throw GrpcErrors.invalid("CPU and memory " + what + "s must not be negative");
    }
  }

  private static UpdateConfig update(UpdateConfig config, String what) {
    if (config.getDelayMs() < 0 || config.getMonitorMs() < 0) {
      throw GrpcErrors.invalid(what + " delay and monitor must not be negative");
    }
    // written so that NaN fails too
    if (!(config.getMaxFailureRatio() >= 0 && config.getMaxFailureRatio() <= 1)) {
      throw GrpcErrors.invalid(what + " max failure ratio must be between 0 and 1");
    }
    if (Integer.toUnsignedLong(config.getParallelism()) > MAX_REPLICAS) {
      throw GrpcErrors.invalid(what + " parallelism must be at most " + MAX_REPLICAS);
    }
    if (config.getFailureAction() == FailureAction.UNRECOGNIZED) {
      throw GrpcErrors.invalid("unknown " + what + " failure action " + config.getFailureActionValue());
    }
    if (config.getOrder() == UpdateOrder.UNRECOGNIZED) {
      throw GrpcErrors.invalid("unknown " + what + " order " + config.getOrderValue());
    }
    UpdateConfig.Builder b = config.toBuilder();
    if (config.equals(UpdateConfig.getDefaultInstance())) {
      b.setParallelism(1);
    }
    if (config.getFailureAction() == FailureAction.FAILURE_ACTION_UNSPECIFIED) {
      b.setFailureAction(FailureAction.FAILURE_ACTION_PAUSE);
    }
    if (config.getOrder() == UpdateOrder.UPDATE_ORDER_UNSPECIFIED) {
      b.setOrder(UpdateOrder.UPDATE_ORDER_STOP_FIRST);
    }
    if (config.getMonitorMs() == 0) {
      b.setMonitorMs(DEFAULT_MONITOR_MS);
    }
    return b.build();
  }
}
