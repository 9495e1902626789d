package io.baton.manager.controlapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.ContainerSpec;
import io.baton.api.FailureAction;
import io.baton.api.ReplicatedService;
import io.baton.api.RestartPolicy;
import io.baton.api.ServiceSpec;
import io.baton.api.TaskSpec;
import io.baton.api.UpdateConfig;
import io.baton.api.UpdateOrder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Specs that {@link ServiceSpecs#normalize} used to accept though no orchestrator can act on them. */
class ServiceSpecsTest {
  private static final ServiceSpec VALID = ServiceSpec.newBuilder()
      .setName("web")
      .setTask(TaskSpec.newBuilder().setContainer(ContainerSpec.newBuilder().setImage("busybox")))
      .build();

  @Test
  void aValidSpecGetsDefaultsAndNormalizesToItself() {
    ServiceSpec normalized = ServiceSpecs.normalize(VALID);
    assertThat(normalized.getReplicated().getReplicas()).isEqualTo(1);
    assertThat(normalized.getUpdate().getFailureAction()).isEqualTo(FailureAction.FAILURE_ACTION_PAUSE);
    assertThat(ServiceSpecs.normalize(normalized)).isEqualTo(normalized);
  }

  @Test
  void replicasAreUnsigned() {
    // uint64 2^63 and above read as a negative long and passed the "at most 100000" check
    assertInvalid(s -> s.setReplicated(ReplicatedService.newBuilder().setReplicas(-1L)), "replicas must be at most");
    assertInvalid(s -> s.setReplicated(ReplicatedService.newBuilder().setReplicas(Long.MIN_VALUE)),
        "replicas must be at most");
  }

  @Test
  void aFailureRatioThatIsNotANumberIsRefused() {
    assertInvalid(s -> s.setUpdate(UpdateConfig.newBuilder().setMaxFailureRatio(Double.NaN)),
        "update max failure ratio must be between 0 and 1");
    assertInvalid(s -> s.setRollback(UpdateConfig.newBuilder().setMaxFailureRatio(Double.NaN)),
        "rollback max failure ratio must be between 0 and 1");
  }

  @Test
  void parallelismAboveTheReplicaBoundIsRefused() {
    // uint32 2^31 and above read as a negative int in the updater, which then never moved on
    assertInvalid(s -> s.setUpdate(UpdateConfig.newBuilder().setParallelism(Integer.MIN_VALUE)),
        "update parallelism must be at most 100000");
    assertThat(ServiceSpecs.normalize(VALID.toBuilder()
        .setUpdate(UpdateConfig.newBuilder().setParallelism(100_000)).build()).getUpdate().getParallelism())
        .isEqualTo(100_000);
  }

  @Test
  void unknownEnumValuesAreRefused() {
    assertInvalid(s -> s.setUpdate(UpdateConfig.newBuilder().setFailureActionValue(4)), "unknown update failure action 4");
    assertInvalid(s -> s.setRollback(UpdateConfig.newBuilder().setOrderValue(3)), "unknown rollback order 3");
    assertInvalid(s -> s.setTask(s.getTask().toBuilder().setRestart(RestartPolicy.newBuilder().setConditionValue(4))),
        "unknown restart condition 4");
    assertThat(ServiceSpecs.normalize(VALID.toBuilder()
        .setUpdate(UpdateConfig.newBuilder().setOrder(UpdateOrder.UPDATE_ORDER_START_FIRST)).build())
        .getUpdate().getOrder()).isEqualTo(UpdateOrder.UPDATE_ORDER_START_FIRST);
  }

  private static void assertInvalid(UnaryOperator<ServiceSpec.Builder> change, String message) {
    ServiceSpec spec = change.apply(VALID.toBuilder()).build();
    assertThatThrownBy(() -> ServiceSpecs.normalize(spec))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains(message);
        });
  }
}
