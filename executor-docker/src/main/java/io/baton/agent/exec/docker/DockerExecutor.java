package io.baton.agent.exec.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.baton.agent.exec.Executor;
import io.baton.agent.exec.ExecutorException;
import io.baton.agent.exec.LogBuffer;
import io.baton.agent.exec.TaskContext;
import io.baton.agent.exec.TaskRunner;
import io.baton.api.Task;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The docker executor (DESIGN §2): runs each task as a container of the local dockerd, through
 * docker-java over dockerd's unix socket.
 *
 * <p>Containers are named {@code baton-<service>-<slot>-<task id>} and labelled with their
 * service, task and node ids ({@link Labels}); see {@link ContainerPlan} for what they are created
 * with. Images must be on the node already, or pullable: a task whose image is neither is rejected
 * with the reason. The executor opens one events stream for all its containers and hands each
 * {@code die} event to the runner of that container; when the stream drops (dockerd restarted) it
 * reopens it, replaying events since the last one it saw, and inspects every container it runs, so
 * no exit is missed.
 *
 * <p>When dockerd does not answer, the executor still starts: every {@link #create} is refused
 * with one clear reason ("dockerd is not reachable at ...") until dockerd answers again, and the
 * agent keeps serving.
 *
 * <p>Security: the executor talks only to a unix socket (whoever can write to it is root on the
 * node, so the agent must be the only baton user of it); containers run with {@code
 * no-new-privileges}; secrets are bind-mounted read-only, never passed in the environment.
 *
 * <p>Thread-safe.
 */
public final class DockerExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(DockerExecutor.class);
  /** How long connecting to the socket may take: it is local, so a slow connect means trouble. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /**
   * Connections to dockerd at once: each running task holds one for its followed output, the events
   * stream one more, and calls the rest. Local unix-socket connections are cheap; past this many
   * tasks on one node, calls wait for a free connection.
   */
  private static final int MAX_CONNECTIONS = 1024;

  private final Clock clock;
  private final DockerExecutorConfig config;
  private final DockerClient docker;
  private final Map<String, DockerTaskRunner> byContainer = new ConcurrentHashMap<>();
  /** Bounds the creates and starts in flight ({@link DockerExecutorConfig#maxConcurrentStarts}). */
  private final Semaphore starts;
  private final Thread events;
  private volatile boolean closed;
  private volatile boolean streaming;
  private volatile ResultCallback.Adapter<Event> stream;
  /** Epoch second of the newest event seen: where a reopened stream resumes. */
  private volatile long resumeFrom;

  /** Connects lazily: a dockerd that does not answer yet is not an error here. */
  public DockerExecutor(Clock clock, DockerExecutorConfig config) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.config = Objects.requireNonNull(config, "config");
    this.docker = client(config.dockerHost());
    this.starts = new Semaphore(config.maxConcurrentStarts(), true);
    this.resumeFrom = clock.instant().getEpochSecond();
    this.events = Thread.ofVirtual().name("baton-docker-events").start(this::followEvents);
  }

  /**
   * Whether a dockerd answers a ping at {@code host}: empty if it does, else the reason it does not.
   */
  public static Optional<String> probe(URI host) {
    try (DockerClient client = client(host)) {
      client.pingCmd().exec();
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of(Reasons.of(e));
    }
  }

  @Override
  public String name() {
    return "docker";
  }

  /** Checks the task and that dockerd answers, and returns its runner; nothing is created yet. */
  @Override
  public TaskRunner create(Task task, TaskContext context) throws ExecutorException {
    if (closed) {
      throw new ExecutorException("the docker executor is closed");
    }
    ContainerPlan plan = ContainerPlan.of(task, context, config.nodeId());
    requireReachable();
    return new DockerTaskRunner(
        task.getId(), plan, docker, this, new LogBuffer(clock, config.logBytesPerTask()), config);
  }

  /**
   * Stops (grace {@link DockerExecutorConfig#reclaimGrace()}) and removes every container labelled
   * with this node's id: after a crash of the agent no runner remains to do it. {@code tasksRoot}
   * is not used: this executor keeps nothing on the node's disk.
   */
  @Override
  public void reclaimLeftovers(Path tasksRoot) {
    List<Container> left;
    try {
      left =
          docker
              .listContainersCmd()
              .withShowAll(true)
              .withLabelFilter(Map.of(Labels.NODE_ID, config.nodeId()))
              .exec();
    } catch (RuntimeException e) {
      log.warn("cannot look for containers left by an earlier run: {}", Reasons.of(e));
      return;
    }
    List<Thread> reclaiming = new ArrayList<>();
    for (Container container : left) {
      reclaiming.add(Thread.ofVirtual().start(() -> reclaim(container)));
    }
    for (Thread thread : reclaiming) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void reclaim(Container container) {
    String id = container.getId();
    log.warn(
        "removing container {} ({}) left by an earlier run of this agent",
        shortId(id),
        String.join(",", container.getNames()));
    try {
      docker.stopContainerCmd(id).withTimeout(DockerTaskRunner.seconds(config.reclaimGrace())).exec();
    } catch (NotModifiedException | NotFoundException e) {
      // already stopped or gone
    } catch (RuntimeException e) {
      log.warn("cannot stop container {}: {}", shortId(id), Reasons.of(e));
    }
    try {
      docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (RuntimeException e) {
      log.warn("cannot remove container {}: {}", shortId(id), Reasons.of(e));
    }
  }

  /** Stops the events stream and closes the connection; runners already created are not stopped. */
  @Override
  public void close() {
    closed = true;
    events.interrupt();
    closeStream();
    try {
      docker.close();
    } catch (IOException e) {
      log.debug("closing the docker client: {}", e.toString());
    }
  }

  void register(String containerId, DockerTaskRunner runner) {
    byContainer.put(containerId, runner);
  }

  void unregister(String containerId) {
    byContainer.remove(containerId);
  }

  /**
   * Waits until fewer than {@link DockerExecutorConfig#maxConcurrentStarts} creates and starts are
   * in flight (first come, first served) and returns the turn, to be closed after the call.
   *
   * @throws ExecutorException if interrupted while waiting (the interrupt flag is set again)
   */
  StartTurn startTurn() throws ExecutorException {
    try {
      starts.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExecutorException("interrupted while waiting for dockerd");
    }
    return starts::release;
  }

  /** One create or start call's turn at dockerd; {@link #close} ends it. */
  interface StartTurn extends AutoCloseable {
    @Override
    void close();
  }

  private void requireReachable() throws ExecutorException {
    if (streaming) {
      return;
    }
    try {
      docker.pingCmd().exec();
    } catch (RuntimeException e) {
      throw new ExecutorException(
          "dockerd is not reachable at " + config.dockerHost() + ": " + Reasons.of(e));
    }
  }

  /** The events loop: one stream at a time, reopened after a pause whenever it ends. */
  private void followEvents() {
    String lastProblem = null;
    while (!closed) {
      EventCallback callback = new EventCallback();
      try {
        stream = callback;
        docker
            .eventsCmd()
            .withEventTypeFilter(EventType.CONTAINER)
            .withEventFilter("die")
            .withLabelFilter(Labels.ofNode(config.nodeId()))
            .withSince(Long.toString(resumeFrom))
            .exec(callback);
        docker.pingCmd().exec();
        if (lastProblem != null) {
          log.info("dockerd at {} answers again", config.dockerHost());
          lastProblem = null;
        }
        streaming = true;
        byContainer.values().forEach(DockerTaskRunner::checkExited);
        callback.awaitCompletion();
        if (callback.failure != null) {
          throw new IllegalStateException(callback.failure);
        }
      } catch (InterruptedException e) {
        break;
      } catch (RuntimeException e) {
        String problem = Reasons.of(e);
        if (!closed && !problem.equals(lastProblem)) {
          log.warn("dockerd at {} does not answer: {}", config.dockerHost(), problem);
        }
        lastProblem = problem;
      } finally {
        streaming = false;
        closeQuietly(callback);
      }
      try {
        Thread.sleep(config.reconnectDelay());
      } catch (InterruptedException e) {
        break;
      }
    }
  }

  private void closeStream() {
    ResultCallback.Adapter<Event> current = stream;
    if (current != null) {
      closeQuietly(current);
    }
  }

  private static void closeQuietly(ResultCallback.Adapter<Event> callback) {
    try {
      callback.close();
    } catch (IOException | RuntimeException e) {
      log.debug("closing the events stream: {}", e.toString());
    }
  }

  private final class EventCallback extends ResultCallback.Adapter<Event> {
    private volatile Throwable failure;

    /** Ends the stream without docker-java's own error log: the events loop reports the reason. */
    @Override
    public void onError(Throwable error) {
      failure = error;
      closeQuietly(this);
    }

    @Override
    public void onNext(Event event) {
      if (event.getTime() != null) {
        resumeFrom = Math.max(resumeFrom, event.getTime());
      }
      DockerTaskRunner runner = event.getId() == null ? null : byContainer.get(event.getId());
      if (runner != null) {
        runner.checkExited();
      }
    }
  }

  static String shortId(String containerId) {
    return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
  }

  private static DockerClient client(URI host) {
    DefaultDockerClientConfig clientConfig =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host.toString()).build();
    ZerodepDockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(host)
            .connectionTimeout(CONNECT_TIMEOUT)
            .maxConnections(MAX_CONNECTIONS)
            .build();
    return DockerClientImpl.getInstance(clientConfig, http);
  }
}
