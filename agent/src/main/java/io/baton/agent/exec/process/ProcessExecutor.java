package io.baton.agent.exec.process;

import io.baton.agent.exec.Executor;
import io.baton.agent.exec.ExecutorException;
import io.baton.agent.exec.LogBuffer;
import io.baton.agent.exec.TaskContext;
import io.baton.agent.exec.TaskIds;
import io.baton.agent.exec.TaskRunner;
import io.baton.api.Task;
import java.time.Clock;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded executor (DESIGN §2): runs a task's {@code container.command} and {@code args} as a
 * child process of the agent, on the host. It records the task's image name but does not use it.
 *
 * <p>Each task gets a private working directory (mode 0700, deleted on removal), a clean environment
 * (see {@link Launch}: nothing of the agent's own environment, no secrets), captured stdout and
 * stderr, SIGTERM then SIGKILL after its stop grace period to it and everything it started, and,
 * where cgroup v2 is writable, a cgroup of its own with {@code memory.max} and {@code cpu.max} from
 * its limits. Where it is not, the executor logs one warning when it starts and runs tasks without
 * limits. Tasks run as the agent's own user; a task asking for another user is rejected.
 *
 * <p>Thread-safe.
 */
public final class ProcessExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(ProcessExecutor.class);

  private final Clock clock;
  private final ProcessExecutorConfig config;
  private final Cgroups cgroups;
  private final SecretsNamespace secretsNamespace;
  private volatile boolean closed;

  /** An executor with {@link ProcessExecutorConfig#defaults()}. */
  public ProcessExecutor(Clock clock) {
    this(clock, ProcessExecutorConfig.defaults());
  }

  /** Detects cgroup support under the configured root, logging one warning if limits won't work. */
  public ProcessExecutor(Clock clock, ProcessExecutorConfig config) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.config = Objects.requireNonNull(config, "config");
    this.cgroups = Cgroups.detect(config.cgroupRoot());
    cgroups.warning().ifPresent(log::warn);
    cgroups.problem().ifPresent(problem -> log.debug("cgroups: {}", problem));
    this.secretsNamespace = SecretsNamespace.detect();
    secretsNamespace.problem().ifPresent(problem -> log.warn(
        "tasks find their secrets at $BATON_SECRETS_DIR, not at /run/secrets: {}", problem));
  }

  @Override
  public void reclaimLeftovers(java.nio.file.Path tasksRoot) {
    Leftovers.reclaim(tasksRoot);
  }

  @Override
  public String name() {
    return "process";
  }

  /** Whether tasks' CPU and memory limits are enforced on this node. */
  public boolean enforcesLimits() {
    return cgroups.enforcesLimits();
  }

  /**
   * Checks the task (a command, well-formed environment entries, no user to switch to, a plain task
   * id) and returns its runner.
   */
  @Override
  public TaskRunner create(Task task, TaskContext context) throws ExecutorException {
    if (closed) {
      throw new ExecutorException("the process executor is closed");
    }
    if (!TaskIds.isSafe(task.getId())) {
      throw new ExecutorException("invalid task id");
    }
    Optional<Path> secrets = context.secretsDir();
    boolean isolate = secrets.isPresent() && secretsNamespace.problem().isEmpty();
    Launch launch = Launch.of(task, isolate
        ? new TaskContext(context.workDir(), Optional.of(SecretsNamespace.MOUNT_POINT), context.extraEnv())
        : context);
    UnaryOperator<List<String>> wrap = isolate
        ? argv -> secretsNamespace.wrap(argv, secrets.get())
        : UnaryOperator.identity();
    return new ProcessTaskRunner(
        task.getId(),
        task.getSpec().getContainer().getImage(),
        context.workDir(),
        launch,
        task.getSpec().getLimits(),
        cgroups,
        new LogBuffer(clock, config.logBytesPerTask()),
        config.logDrainTimeout(),
        wrap);
  }

  /** Refuses new tasks; runners already created are unaffected. */
  @Override
  public void close() {
    closed = true;
  }
}
