package io.baton.cli;

import io.baton.api.FailureAction;
import io.baton.api.RestartCondition;
import io.baton.api.ServiceSpec;
import io.baton.api.UpdateConfig;
import io.baton.api.UpdateOrder;
import io.baton.node.NodeException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Flags shared by {@code service create} and {@code service update}. Each flag given changes its
 * field of the spec; flags not given leave it as it is (for create: the server's default).
 */
final class ServiceFlags {
  @Option(names = "--reserve-cpu", paramLabel = "CPUS", description = "CPUs reserved per task (e.g. 0.5).")
  String reserveCpu;
  @Option(names = "--reserve-memory", paramLabel = "BYTES", description = "Memory reserved per task (e.g. 64M).")
  String reserveMemory;
  @Option(names = "--limit-cpu", paramLabel = "CPUS", description = "CPU limit per task.")
  String limitCpu;
  @Option(names = "--limit-memory", paramLabel = "BYTES", description = "Memory limit per task.")
  String limitMemory;
  @Option(names = "--restart-condition", paramLabel = "any|on-failure|none", description = "When to restart a task that ended.")
  String restartCondition;
  @Option(names = "--restart-delay", paramLabel = "DURATION", description = "Delay before a restart.")
  String restartDelay;
  @Option(names = "--restart-max-attempts", paramLabel = "N", description = "Restarts allowed (0: unlimited).")
  Integer restartMaxAttempts;
  @Option(names = "--restart-window", paramLabel = "DURATION", description = "Window in which restarts are counted.")
  String restartWindow;
  @Option(names = "--update-parallelism", paramLabel = "N", description = "Tasks updated at once (0: all).")
  Integer updateParallelism;
  @Option(names = "--update-delay", paramLabel = "DURATION", description = "Delay between updates.")
  String updateDelay;
  @Option(names = "--update-failure-action", paramLabel = "pause|continue|rollback", description = "What a failed update does.")
  String updateFailureAction;
  @Option(names = "--update-monitor", paramLabel = "DURATION", description = "How long an updated task is watched for failure.")
  String updateMonitor;
  @Option(names = "--update-max-failure-ratio", paramLabel = "RATIO", description = "Failure ratio tolerated during an update.")
  Double updateMaxFailureRatio;
  @Option(names = "--update-order", paramLabel = "stop-first|start-first", description = "Stop the old task first, or start the new one first.")
  String updateOrder;
  @Option(names = "--stop-grace-period", paramLabel = "DURATION", description = "Time a task gets to stop before it is killed.")
  String stopGracePeriod;
  @Option(names = "--with-registry-auth",
      description = "Send your docker login for the image's registry (from ~/.docker/config.json) to the nodes that pull it.")
  boolean withRegistryAuth;
  @Option(names = {"-d", "--detach"}, description = "Exit immediately instead of waiting for the service to converge.")
  boolean detach;
  @Option(names = {"-q", "--quiet"}, description = "Suppress progress output.")
  boolean quiet;

  /**
   * With {@code --with-registry-auth}, sets the spec's registry login for its image from the CLI
   * user's docker config.
   *
   * @throws NodeException if that config holds no usable login for the image's registry
   */
  void applyRegistryAuth(ServiceSpec.Builder spec) throws NodeException {
    if (withRegistryAuth) {
      var container = spec.getTaskBuilder().getContainerBuilder();
      container.setRegistryAuth(
          DockerCredentials.forImage(container.getImage(), DockerCredentials.defaultConfig(System.getenv())));
    }
  }

  /** Applies the flags that were given to {@code spec}. */
  void applyTo(ServiceSpec.Builder spec) {
    var task = spec.getTaskBuilder();
    if (reserveCpu != null) {
      task.getReservationsBuilder().setNanoCpus(Units.nanoCpus("--reserve-cpu", reserveCpu));
    }
    if (reserveMemory != null) {
      task.getReservationsBuilder().setMemoryBytes(Units.bytes("--reserve-memory", reserveMemory));
    }
    if (limitCpu != null) {
      task.getLimitsBuilder().setNanoCpus(Units.nanoCpus("--limit-cpu", limitCpu));
    }
    if (limitMemory != null) {
      task.getLimitsBuilder().setMemoryBytes(Units.bytes("--limit-memory", limitMemory));
    }
    if (restartCondition != null) {
      task.getRestartBuilder().setCondition(switch (restartCondition) {
        case "any" -> RestartCondition.RESTART_CONDITION_ANY;
        case "on-failure" -> RestartCondition.RESTART_CONDITION_ON_FAILURE;
        case "none" -> RestartCondition.RESTART_CONDITION_NONE;
        default -> throw new UsageError("invalid --restart-condition '" + restartCondition + "': use any, on-failure or none");
      });
    }
    if (restartDelay != null) {
      task.getRestartBuilder().setDelayMs(Durations.parse("--restart-delay", restartDelay).toMillis());
    }
    if (restartMaxAttempts != null) {
      if (restartMaxAttempts < 0) {
        throw new UsageError("--restart-max-attempts must not be negative");
      }
      task.getRestartBuilder().setMaxAttempts(restartMaxAttempts);
    }
    if (restartWindow != null) {
      task.getRestartBuilder().setWindowMs(Durations.parse("--restart-window", restartWindow).toMillis());
    }
    if (stopGracePeriod != null) {
      task.getContainerBuilder().setStopGracePeriodMs(Durations.parse("--stop-grace-period", stopGracePeriod).toMillis());
    }
    applyUpdate(spec.getUpdateBuilder());
  }

  private void applyUpdate(UpdateConfig.Builder update) {
    if (updateParallelism != null) {
      if (updateParallelism < 0) {
        throw new UsageError("--update-parallelism must not be negative");
      }
      update.setParallelism(updateParallelism);
    }
    if (updateDelay != null) {
      update.setDelayMs(Durations.parse("--update-delay", updateDelay).toMillis());
    }
    if (updateMonitor != null) {
      update.setMonitorMs(Durations.parse("--update-monitor", updateMonitor).toMillis());
    }
    if (updateMaxFailureRatio != null) {
      update.setMaxFailureRatio(updateMaxFailureRatio);
    }
    if (updateFailureAction != null) {
      update.setFailureAction(switch (updateFailureAction) {
        case "pause" -> FailureAction.FAILURE_ACTION_PAUSE;
        case "continue" -> FailureAction.FAILURE_ACTION_CONTINUE;
        case "rollback" -> FailureAction.FAILURE_ACTION_ROLLBACK;
        default -> throw new UsageError("invalid --update-failure-action '" + updateFailureAction
            + "': use pause, continue or rollback");
      });
    }
    if (updateOrder != null) {
      update.setOrder(switch (updateOrder) {
        case "stop-first" -> UpdateOrder.UPDATE_ORDER_STOP_FIRST;
        case "start-first" -> UpdateOrder.UPDATE_ORDER_START_FIRST;
        default -> throw new UsageError("invalid --update-order '" + updateOrder + "': use stop-first or start-first");
      });
    }
  }

  /** KEY=VALUE pairs into a list, checking the form. */
  static List<String> keyValues(String flag, List<String> entries) {
    List<String> out = new ArrayList<>();
    for (String entry : entries) {
      if (entry.indexOf('=') <= 0) {
        throw new UsageError("invalid " + flag + " '" + entry + "': use KEY=VALUE");
      }
      out.add(entry);
    }
    return out;
  }
}
