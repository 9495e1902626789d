package io.baton.agent.exec.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.PullImageCmd;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.api.model.Volume;
import io.baton.agent.exec.ExecutorException;
import io.baton.agent.exec.ExitStatus;
import io.baton.agent.exec.LogBuffer;
import io.baton.agent.exec.LogLine;
import io.baton.agent.exec.TaskRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task as one container: {@code prepare} makes sure the image is local (pulling it if it can)
 * and creates the container, {@code start} starts it, {@link #logs()} follows its output into the
 * task's {@link LogBuffer} once asked, the executor's events stream completes its exit, {@code stop} is {@code docker stop}
 * with the task's grace period (SIGTERM, then SIGKILL), {@code remove} is {@code docker rm -f}.
 *
 * <p>Thread-safe.
 */
final class DockerTaskRunner implements TaskRunner {
  private static final Logger log = LoggerFactory.getLogger(DockerTaskRunner.class);
  /** Docker reports a container killed by SIGKILL with 128 + 9. */
  private static final int SIGKILL_EXIT = 137;
  /** How often {@link #awaitHistory} looks whether the log stream has caught up. */
  private static final long HISTORY_POLL_MS = 5;

  private final String taskId;
  private final ContainerPlan plan;
  private final DockerClient docker;
  private final DockerExecutor executor;
  private final LogBuffer logs;
  private final DockerExecutorConfig config;
  private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
  private final CountDownLatch logsDone = new CountDownLatch(1);
  private final Object lock = new Object();

  /** Guarded by {@code lock}, like every mutable field below. */
  private String containerId;

  private boolean started;
  private boolean removed;
  private CompletableFuture<Void> stopped;
  private Duration stopGrace;
  private ResultCallback.Adapter<Frame> follower;
  /** Output bytes the log stream has delivered so far. */
  private final AtomicLong followedBytes = new AtomicLong();

  DockerTaskRunner(
      String taskId,
      ContainerPlan plan,
      DockerClient docker,
      DockerExecutor executor,
      LogBuffer logs,
      DockerExecutorConfig config) {
    this.taskId = taskId;
    this.plan = plan;
    this.docker = docker;
    this.executor = executor;
    this.logs = logs;
    this.config = config;
  }

  /**
   * Creates the container; when dockerd does not have the image, pulls it and creates again (one
   * call per task when the image is local, which is the common case). The pull runs outside the
   * runner's lock, so a {@link #stop} or {@link #remove} meanwhile does not wait for it.
   */
  @Override
  public void prepare() throws ExecutorException {
    synchronized (lock) {
      if (containerId != null) {
        throw new IllegalStateException("already prepared");
      }
    }
    if (!create(false)) {
      pull();
      create(true);
    }
  }

  /**
   * Creates the container unless the task was removed meanwhile. Returns false when dockerd lacks
   * the image and {@code pulled} is false; every other failure is the task's rejection.
   */
  private boolean create(boolean pulled) throws ExecutorException {
    try (DockerExecutor.StartTurn turn = executor.startTurn()) {
      return createInTurn(pulled);
    }
  }

  private boolean createInTurn(boolean pulled) throws ExecutorException {
    synchronized (lock) {
      if (removed) {
        throw new ExecutorException("task removed");
      }
      try {
        containerId = createCommand().exec().getId();
      } catch (NotFoundException e) {
        if (!pulled && !imagePresent()) {
          return false;
        }
        throw new ExecutorException("cannot create the container: " + Reasons.of(e), e);
      } catch (RuntimeException e) {
        throw new ExecutorException("cannot create the container: " + Reasons.of(e), e);
      }
      executor.register(containerId, this);
      log.info("task {}: created container {} ({})", taskId, DockerExecutor.shortId(containerId),
          plan.name());
      return true;
    }
  }

  /** Whether dockerd has the image: a create's 404 may also name something else. */
  private boolean imagePresent() throws ExecutorException {
    try {
      docker.inspectImageCmd(plan.image()).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    } catch (RuntimeException e) {
      throw new ExecutorException("cannot inspect image " + plan.image() + ": " + Reasons.of(e), e);
    }
  }

  private void pull() throws ExecutorException {
    log.info("task {}: image {} not found locally, pulling it", taskId, plan.image());
    String reason;
    try {
      // The registry login, if any, travels only in this call's header: in memory, never on disk.
      PullImageCmd command = docker.pullImageCmd(withTag(plan.image()));
      plan.pullCredentials().ifPresent(credentials -> command.withAuthConfig(credentials.toAuthConfig()));
      Pull pull = command.exec(new Pull());
      boolean done = pull.awaitCompletion(config.pullTimeout().toMillis(), TimeUnit.MILLISECONDS);
      if (done && pull.failure == null) {
        return;
      }
      reason =
          pull.failure != null
              ? Reasons.of(pull.failure)
              : "no answer within " + config.pullTimeout().toSeconds() + " s";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reason = "interrupted";
    } catch (RuntimeException e) {
      reason = Reasons.of(e);
    }
    throw new ExecutorException(
        "image " + plan.image() + " not found locally and it could not be pulled: " + reason);
  }

  /** A pull that keeps its error for the task's reason instead of logging it with a stack trace. */
  private static final class Pull extends PullImageResultCallback {
    private volatile Throwable failure;

    @Override
    public void onError(Throwable error) {
      failure = error;
      try {
        close();
      } catch (IOException e) {
        log.debug("closing a failed pull: {}", e.toString());
      }
    }
  }

  /** A reference without tag or digest pulls {@code :latest}, as {@code docker pull} does. */
  static String withTag(String image) {
    int slash = image.lastIndexOf('/');
    String last = image.substring(slash + 1);
    return last.contains(":") || last.contains("@") ? image : image + ":latest";
  }

  private CreateContainerCmd createCommand() {
    List<Bind> binds = new ArrayList<>();
    plan.secretFiles()
        .forEach(
            (file, name) ->
                binds.add(
                    new Bind(
                        file.toString(), new Volume(ContainerPlan.SECRETS_MOUNT + name), AccessMode.ro)));
    HostConfig host =
        HostConfig.newHostConfig()
            .withBinds(binds)
            .withSecurityOpts(List.of("no-new-privileges"));
    if (plan.nanoCpus() > 0) {
      host.withNanoCPUs(plan.nanoCpus());
    }
    if (plan.memoryBytes() > 0) {
      host.withMemory(plan.memoryBytes());
    }
    if (plan.memoryReservationBytes() > 0) {
      host.withMemoryReservation(plan.memoryReservationBytes());
    }
    if (plan.cpuShares() > 0) {
      host.withCpuShares(plan.cpuShares());
    }
    CreateContainerCmd create =
        docker
            .createContainerCmd(plan.image())
            .withName(plan.name())
            .withLabels(plan.labels())
            .withEnv(plan.env())
            .withHostConfig(host)
            .withAttachStdin(false)
            .withTty(false);
    if (!plan.cmd().isEmpty()) {
      create.withCmd(plan.cmd());
    }
    if (!plan.user().isEmpty()) {
      create.withUser(plan.user());
    }
    if (!plan.workingDir().isEmpty()) {
      create.withWorkingDir(plan.workingDir());
    }
    return create;
  }

  @Override
  public void start() throws ExecutorException {
    try (DockerExecutor.StartTurn turn = executor.startTurn()) {
      startInTurn();
    }
  }

  private void startInTurn() throws ExecutorException {
    synchronized (lock) {
      if (containerId == null || removed) {
        throw new IllegalStateException("start before prepare or after remove");
      }
      if (stopped != null) {
        throw new ExecutorException("task stopped before it started");
      }
      if (started) {
        throw new IllegalStateException("already started");
      }
      try {
        docker.startContainerCmd(containerId).exec();
      } catch (RuntimeException e) {
        throw new ExecutorException("cannot start the container: " + Reasons.of(e), e);
      }
      started = true;
    }
  }

  private ResultCallback.Adapter<Frame> followLogs(String id) {
    LogLines out = new LogLines(LogLine.Source.STDOUT, logs);
    LogLines err = new LogLines(LogLine.Source.STDERR, logs);
    return docker
        .logContainerCmd(id)
        .withStdOut(true)
        .withStdErr(true)
        .withFollowStream(true)
        .exec(
            new ResultCallback.Adapter<>() {
              @Override
              public void onNext(Frame frame) {
                (frame.getStreamType() == StreamType.STDERR ? err : out).feed(frame.getPayload());
                followedBytes.addAndGet(frame.getPayload().length);
              }

              @Override
              public void onError(Throwable error) {
                log.debug("task {}: its log stream ended: {}", taskId, Reasons.of(error));
                done();
                try {
                  close();
                } catch (IOException e) {
                  log.debug("task {}: closing its log stream: {}", taskId, e.toString());
                }
              }

              @Override
              public void onComplete() {
                done();
              }

              private void done() {
                out.flush();
                err.flush();
                logsDone.countDown();
              }
            });
  }

  /**
   * Completes the exit if the container no longer runs; called on its {@code die} event, after
   * the events stream reopened, and when {@link #awaitExit} begins (the container may have died
   * before the events stream could name it). Idempotent.
   */
  void checkExited() {
    String id;
    synchronized (lock) {
      if (!started || exit.isDone()) {
        return;
      }
      id = containerId;
    }
    InspectContainerResponse.ContainerState state;
    try {
      state = docker.inspectContainerCmd(id).exec().getState();
    } catch (NotFoundException e) {
      exit.complete(new ExitStatus(SIGKILL_EXIT, "task killed: its container was removed"));
      return;
    } catch (RuntimeException e) {
      log.debug("task {}: cannot inspect its container yet: {}", taskId, Reasons.of(e));
      return;
    }
    if (Boolean.TRUE.equals(state.getRunning())) {
      return;
    }
    Long code = state.getExitCodeLong();
    exit.complete(status(code == null ? -1 : code.intValue(), Boolean.TRUE.equals(state.getOOMKilled())));
  }

  private ExitStatus status(int code, boolean oomKilled) {
    if (oomKilled) {
      return new ExitStatus(
          code, "task killed: out of memory (limit " + plan.memoryBytes() + " bytes, exit code " + code + ")");
    }
    synchronized (lock) {
      if (stopped != null && code == SIGKILL_EXIT && !stopGrace.isZero()) {
        return new ExitStatus(
            code, "task killed with SIGKILL after its " + stopGrace.toMillis() + " ms stop grace period");
      }
      if (stopped != null) {
        return new ExitStatus(code, "task exited with code " + code + " after SIGTERM");
      }
    }
    return new ExitStatus(code, "task exited with code " + code);
  }

  @Override
  public ExitStatus awaitExit() throws InterruptedException {
    synchronized (lock) {
      if (!started) {
        throw new IllegalStateException("task not started");
      }
    }
    checkExited();
    ExitStatus status;
    try {
      status = exit.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
    boolean following;
    synchronized (lock) {
      following = follower != null;
    }
    if (following) {
      logsDone.await(config.logDrainTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }
    return status;
  }

  @Override
  public void stop(Duration grace) {
    CompletableFuture<Void> outcome;
    String target;
    boolean first;
    synchronized (lock) {
      first = stopped == null;
      if (first) {
        stopped = new CompletableFuture<>();
        stopGrace = grace;
      }
      outcome = stopped;
      target = started ? containerId : null;
    }
    if (!first) {
      outcome.join();
      return;
    }
    try {
      if (target != null) {
        docker.stopContainerCmd(target).withTimeout(seconds(grace)).exec();
        checkExited();
      }
    } catch (NotModifiedException | NotFoundException e) {
      checkExited();
    } catch (RuntimeException e) {
      log.warn("task {}: cannot stop its container: {}", taskId, Reasons.of(e));
    } finally {
      outcome.complete(null);
    }
  }

  /** Docker's stop timeout is whole seconds: a grace period is rounded up, never cut short. */
  static int seconds(Duration grace) {
    long millis = Math.max(0, grace.toMillis());
    return (int) Math.min(Integer.MAX_VALUE, (millis + 999) / 1000);
  }

  @Override
  public void remove() {
    String id;
    synchronized (lock) {
      if (removed) {
        return;
      }
      removed = true;
      id = containerId;
    }
    stop(Duration.ZERO);
    if (id == null) {
      return;
    }
    try {
      docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (RuntimeException e) {
      log.warn("task {}: cannot remove its container: {}", taskId, Reasons.of(e));
    }
    executor.unregister(id);
    exit.complete(new ExitStatus(SIGKILL_EXIT, "task killed: removed"));
    ResultCallback.Adapter<Frame> toClose;
    synchronized (lock) {
      toClose = follower;
    }
    if (toClose != null) {
      try {
        toClose.close();
      } catch (IOException e) {
        log.debug("task {}: closing its log stream: {}", taskId, e.toString());
      }
    }
  }

  /**
   * The task's output. Read from dockerd only once someone asks ({@code service logs}): dockerd's
   * log driver keeps the whole output from the start, so a stream opened then still begins with the
   * first line, and a task nobody reads costs dockerd no open stream (one per container slowed
   * starts of many containers). Returns when the buffer holds the output written so far: all of it
   * once the task has exited, else at least what dockerd held when the stream was opened (each
   * bounded by the executor's log drain timeout).
   */
  @Override
  public LogBuffer logs() {
    boolean opened = false;
    boolean following;
    String id;
    synchronized (lock) {
      if (started && !removed && follower == null) {
        follower = followLogs(containerId);
        opened = true;
      }
      following = follower != null;
      id = containerId;
    }
    try {
      if (following && exit.isDone()) {
        logsDone.await(config.logDrainTimeout().toMillis(), TimeUnit.MILLISECONDS);
      } else if (opened) {
        awaitHistory(id);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return logs;
  }

  /**
   * Waits until the just opened log stream has delivered the output dockerd holds now, which a
   * one-shot read counts: a first {@code service logs} then shows it instead of an empty buffer.
   */
  private void awaitHistory(String id) throws InterruptedException {
    long deadline = System.nanoTime() + config.logDrainTimeout().toNanos();
    AtomicLong held = new AtomicLong();
    try {
      docker.logContainerCmd(id).withStdOut(true).withStdErr(true).withFollowStream(false)
          .exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
              held.addAndGet(frame.getPayload().length);
            }
          })
          .awaitCompletion(config.logDrainTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      log.debug("task {}: cannot count its output: {}", taskId, Reasons.of(e));
      return;
    }
    while (followedBytes.get() < held.get() && logsDone.getCount() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(HISTORY_POLL_MS);
    }
  }
}
