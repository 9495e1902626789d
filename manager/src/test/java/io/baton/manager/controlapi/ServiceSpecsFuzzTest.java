package io.baton.manager.controlapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.baton.api.ContainerSpec;
import io.baton.api.FailureAction;
import io.baton.api.GlobalService;
import io.baton.api.Placement;
import io.baton.api.ReplicatedService;
import io.baton.api.Resources;
import io.baton.api.RestartCondition;
import io.baton.api.RestartPolicy;
import io.baton.api.ServiceSpec;
import io.baton.api.TaskSpec;
import io.baton.api.UpdateConfig;
import io.baton.api.UpdateOrder;
import io.baton.manager.constraint.Constraint;
import io.baton.manager.constraint.InvalidConstraintException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * {@link ServiceSpecs#normalize} on specs an operator (or a caller of the control API) can send:
 * either INVALID_ARGUMENT with a message, or a spec the orchestrators can act on as it is (valid
 * name, one mode, at most {@link ServiceSpecs#MAX_REPLICAS} replicas, known enum values, no
 * negative durations or resources, a failure ratio within [0, 1], parseable constraints), which
 * normalizes to itself. No other exception.
 */
class ServiceSpecsFuzzTest {

  @FuzzTest
  void normalize(FuzzedDataProvider data) {
    ServiceSpec spec = spec(data);
    ServiceSpec normalized;
    try {
      normalized = ServiceSpecs.normalize(spec);
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).isNotBlank();
      return;
    }
    assertActionable(normalized);
    assertThat(ServiceSpecs.normalize(normalized)).isEqualTo(normalized);
  }

  private static void assertActionable(ServiceSpec s) {
    assertThat(s.getName()).matches("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}");
    assertThat(s.hasGlobal() != s.hasReplicated()).as("exactly one mode").isTrue();
    if (s.hasReplicated()) {
      assertThat(Long.compareUnsigned(s.getReplicated().getReplicas(), ServiceSpecs.MAX_REPLICAS))
          .as("replicas").isLessThanOrEqualTo(0);
    }
    TaskSpec task = s.getTask();
    ContainerSpec container = task.getContainer();
    assertThat(container.getImage()).isNotBlank();
    assertThat(container.getEnvList()).allMatch(e -> e.matches("(?s)[A-Za-z_][A-Za-z0-9_]*=.*"));
    assertThat(container.getStopGracePeriodMs()).isPositive();
    for (Resources r : new Resources[] {task.getReservations(), task.getLimits()}) {
      assertThat(r.getNanoCpus()).isNotNegative();
      assertThat(r.getMemoryBytes()).isNotNegative();
    }
    for (String c : task.getPlacement().getConstraintsList()) {
      assertThat(parses(c)).as("constraint %s", c).isTrue();
    }
    RestartPolicy restart = task.getRestart();
    assertThat(restart.getCondition())
        .isNotIn(RestartCondition.RESTART_CONDITION_UNSPECIFIED, RestartCondition.UNRECOGNIZED);
    assertThat(restart.getDelayMs()).isNotNegative();
    assertThat(restart.getWindowMs()).isNotNegative();
    for (UpdateConfig u : new UpdateConfig[] {s.getUpdate(), s.getRollback()}) {
      assertThat(Integer.toUnsignedLong(u.getParallelism())).isLessThanOrEqualTo(ServiceSpecs.MAX_REPLICAS);
      assertThat(u.getDelayMs()).isNotNegative();
      assertThat(u.getMonitorMs()).isPositive();
      // compared as numbers: -0.0 is a ratio of zero
      assertThat(u.getMaxFailureRatio() >= 0 && u.getMaxFailureRatio() <= 1).as("failure ratio %s", u.getMaxFailureRatio()).isTrue();
      assertThat(u.getFailureAction())
          .isNotIn(FailureAction.FAILURE_ACTION_UNSPECIFIED, FailureAction.UNRECOGNIZED);
      assertThat(u.getOrder()).isNotIn(UpdateOrder.UPDATE_ORDER_UNSPECIFIED, UpdateOrder.UNRECOGNIZED);
    }
  }

  /** A spec with every field the validator looks at drawn from the input. */
  static ServiceSpec spec(FuzzedDataProvider data) {
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName(data.consumeString(70));
    switch (data.consumeInt(0, 2)) {
      case 1 -> spec.setReplicated(ReplicatedService.newBuilder().setReplicas(data.consumeLong()));
      case 2 -> spec.setGlobal(GlobalService.getDefaultInstance());
      default -> { }
    }
    ContainerSpec.Builder container = ContainerSpec.newBuilder()
        .setImage(data.consumeString(30))
        .setStopGracePeriodMs(data.consumeLong());
    for (int i = data.consumeInt(0, 3); i > 0; i--) {
      container.addEnv(data.consumeString(30));
    }
    TaskSpec.Builder task = TaskSpec.newBuilder()
        .setContainer(container)
        .setReservations(Resources.newBuilder().setNanoCpus(data.consumeLong()).setMemoryBytes(data.consumeLong()))
        .setLimits(Resources.newBuilder().setNanoCpus(data.consumeLong()).setMemoryBytes(data.consumeLong()));
    Placement.Builder placement = Placement.newBuilder();
    for (int i = data.consumeInt(0, 3); i > 0; i--) {
      placement.addConstraints(data.consumeString(40));
    }
    task.setPlacement(placement);
    if (data.consumeBoolean()) {
      task.setRestart(RestartPolicy.newBuilder()
          .setConditionValue(data.consumeInt(0, 4))
          .setDelayMs(data.consumeLong())
          .setMaxAttempts(data.consumeInt())
          .setWindowMs(data.consumeLong()));
    }
    spec.setTask(task);
    if (data.consumeBoolean()) {
      spec.setUpdate(update(data));
    }
    if (data.consumeBoolean()) {
      spec.setRollback(update(data));
    }
    return spec.build();
  }

  private static UpdateConfig update(FuzzedDataProvider data) {
    return UpdateConfig.newBuilder()
        .setParallelism(data.consumeInt())
        .setDelayMs(data.consumeLong())
        .setFailureActionValue(data.consumeInt(0, 4))
        .setMonitorMs(data.consumeLong())
        .setMaxFailureRatio(data.consumeDouble())
        .setOrderValue(data.consumeInt(0, 3))
        .build();
  }

  private static boolean parses(String constraint) {
    try {
      Constraint.parse(constraint);
      return true;
    } catch (InvalidConstraintException e) {
      return false;
    }
  }
}
