package io.baton.agent;

import io.baton.api.AssignedSecret;
import io.baton.api.DispatcherGrpc;
import io.baton.api.HeartbeatRequest;
import io.baton.api.NodeDescription;
import io.baton.api.SessionMessage;
import io.baton.api.SessionRequest;
import io.baton.api.Task;
import io.baton.ca.ManagerChannels;
import io.baton.ca.PendingApproval;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's session with a manager: opens it, heartbeats at the period the manager sets,
 * applies every pushed message to the session's {@link SessionView} and hands the listener the whole
 * set then held, and reconnects with jittered backoff (moving on to the next manager of the list
 * the managers push) when the session ends. The node never asks for data; it only receives.
 *
 * <p>A node that joined under join approval is refused its session until an operator accepts it
 * ({@link PendingApproval}); the agent then keeps retrying with the same backoff, says once that it
 * waits and what the operator must run, and opens its session as soon as it is accepted.
 */
public final class Agent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Agent.class);

  private final AgentConfig config;
  private final ManagerChannels channels;
  private final Supplier<List<String>> managers;
  private final NodeDescription description;
  /** Serial of the certificate the node holds now, reported at session start and in heartbeats. */
  private final Supplier<String> certificateSerial;
  private final ScheduledExecutorService scheduler;
  private final Consumer<SessionMessage> listener;
  private final Backoff backoff;
  private final AtomicReference<String> sessionId = new AtomicReference<>();
  /** The whole set held from the open session, once its first message came. */
  private final AtomicReference<SessionMessage> held = new AtomicReference<>();
  private final AtomicLong periodMs = new AtomicLong();
  private final java.time.Clock clock;
  /** When the last proof of a live session was sent for (see {@link #lastContact()}). */
  private final AtomicLong lastContactMs = new AtomicLong();
  /** Heartbeats go out at least this often (0: at the pushed period). */
  private volatile long maxHeartbeatIntervalMs;
  private final Context.CancellableContext lifetime = Context.current().withCancellation();
  private volatile Context.CancellableContext current;
  private volatile boolean running;
  private Thread loop;
  private int managerIndex;
  /** The last session attempt was refused because this node awaits join approval. */
  private volatile boolean awaitingApproval;
  /** The manager of the current or last session; other calls of this node go there too. */
  private volatile String sessionManager;

  public Agent(
      AgentConfig config,
      ManagerChannels channels,
      Supplier<List<String>> managers,
      NodeDescription description,
      ScheduledExecutorService scheduler,
      RandomGenerator random,
      Consumer<SessionMessage> listener,
      java.time.Clock clock,
      Supplier<String> certificateSerial) {
    this.clock = clock;
    this.certificateSerial = certificateSerial;
    this.lastContactMs.set(clock.millis());
    this.config = config;
    this.channels = channels;
    this.managers = managers;
    this.description = description;
    this.scheduler = scheduler;
    this.listener = listener;
    this.backoff = new Backoff(config.minBackoff(), config.maxBackoff(), random);
  }

  /** Starts the session loop on its own thread. */
  public synchronized void start() {
    running = true;
    loop = Thread.ofPlatform().name("baton-agent-session").daemon().start(this::run);
  }

  /**
   * When this node last knew its session to be live on the leader: the send time of the last
   * answered heartbeat, or of the session request whose first message arrived. Send times, not
   * arrival times: after a partition heals, answers and messages buffered on the wire arrive late,
   * and they prove only that the session was live when they were sent.
   */
  public java.time.Instant lastContact() {
    return java.time.Instant.ofEpochMilli(lastContactMs.get());
  }

  /**
   * Sends heartbeats at least every {@code interval} even when the cluster's period is longer, so
   * {@link #lastContact()} never ages past it on a healthy link (a fence needs that). Call before
   * {@link #start()}.
   */
  public void heartbeatAtLeastEvery(Duration interval) {
    maxHeartbeatIntervalMs = Math.max(1, interval.toMillis());
  }

  /** True while managers refuse this node's session because it awaits join approval. */
  public boolean awaitingApproval() {
    return awaitingApproval;
  }

  /** The id of the open session, if one is open. */
  public Optional<String> sessionId() {
    return Optional.ofNullable(sessionId.get());
  }

  /** The ids of the tasks this node holds from its open session (for tests and diagnostics). */
  public Set<String> heldTaskIds() {
    SessionMessage now = held.get();
    return now == null ? Set.of() : now.getTasksList().stream().map(Task::getId).collect(Collectors.toSet());
  }

  /** The ids of the secrets this node holds from its open session (for tests and diagnostics). */
  public Set<String> heldSecretIds() {
    SessionMessage now = held.get();
    return now == null ? Set.of() : now.getSecretsList().stream().map(AssignedSecret::getId).collect(Collectors.toSet());
  }

  @Override
  public synchronized void close() {
    running = false;
    lifetime.cancel(null);
    if (loop != null) {
      loop.interrupt();
      try {
        loop.join(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    while (running) {
      String address = nextManager();
      if (address != null) {
        runSession(address);
      }
      if (!running) {
        return;
      }
      try {
        Thread.sleep(backoff.next());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * The manager this node's other calls (task status, logs, renewal) should go to: the one of the
   * current or last session, else the first known. Any manager forwards what it cannot answer.
   */
  public String currentManager() {
    String address = sessionManager;
    if (address != null) {
      return address;
    }
    List<String> known = managers.get();
    return known.isEmpty() ? null : known.get(0);
  }

  private void runSession(String address) {
    sessionManager = address;
    Context.CancellableContext context = lifetime.withCancellation();
    current = context;
    ScheduledFuture<?>[] heartbeat = new ScheduledFuture<?>[1];
    try {
      long requestedMs = clock.millis();
      context.run(() -> {
        Iterator<SessionMessage> stream = DispatcherGrpc.newBlockingStub(channels.get(address))
            .session(SessionRequest.newBuilder()
                .setDescription(description.toBuilder().setCertificateSerial(certificateSerial.get()))
                .build());
        SessionView view = new SessionView();
        boolean first = true;
        while (stream.hasNext()) {
          SessionMessage message = view.apply(stream.next());
          if (message.getRemoved()) {
            listener.accept(message);
            continue;
          }
          boolean opening = first;
          if (first) {
            first = false;
            sessionId.set(message.getSessionId());
            awaitingApproval = false;
            backoff.reset();
            log.info("session {} open with manager {}", message.getSessionId(), address);
          }
          if (periodMs.getAndSet(message.getHeartbeatPeriodMs()) != message.getHeartbeatPeriodMs()
              || heartbeat[0] == null) {
            if (heartbeat[0] != null) {
              heartbeat[0].cancel(false);
            }
            long cap = maxHeartbeatIntervalMs;
            long every = cap > 0 ? Math.min(cap, message.getHeartbeatPeriodMs()) : message.getHeartbeatPeriodMs();
            heartbeat[0] = scheduleHeartbeats(address, message.getSessionId(), every, context);
          }
          held.set(message);
          listener.accept(message);
          if (opening) {
            lastContactMs.accumulateAndGet(requestedMs, Math::max);
          }
        }
      });
    } catch (StatusRuntimeException e) {
      if (PendingApproval.pendingNode(e.getStatus(), e.getTrailers()).isPresent()) {
        if (!awaitingApproval) {
          log.warn("{}; this node retries until then", e.getStatus().getDescription());
        }
        awaitingApproval = true;
      } else if (running) {
        log.warn("session with manager {} ended: {}", address, describe(e.getStatus()));
      }
    } catch (RuntimeException e) {
      log.warn("session with manager {} failed", address, e);
    } finally {
      if (heartbeat[0] != null) {
        heartbeat[0].cancel(false);
      }
      sessionId.set(null);
      held.set(null);
      context.cancel(null);
    }
  }

  private ScheduledFuture<?> scheduleHeartbeats(
      String address, String session, long period, Context.CancellableContext context) {
    return scheduler.scheduleAtFixedRate(() -> {
      long sentMs = clock.millis();
      try {
        DispatcherGrpc.newBlockingStub(channels.get(address))
            .withDeadlineAfter(config.rpcTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .heartbeat(HeartbeatRequest.newBuilder()
                .setSessionId(session)
                .setCertificateSerial(certificateSerial.get())
                .build());
        lastContactMs.accumulateAndGet(sentMs, Math::max);
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.NOT_FOUND || code == Status.Code.INVALID_ARGUMENT
            || code == Status.Code.PERMISSION_DENIED) {
          log.warn("manager {} refused the heartbeat ({}); opening a new session", address, describe(e.getStatus()));
          context.cancel(e);
        } else {
          log.debug("heartbeat to {} failed: {}", address, describe(e.getStatus()));
        }
      }
    }, 0, period, TimeUnit.MILLISECONDS);
  }

  private String nextManager() {
    List<String> known = managers.get();
    if (known.isEmpty()) {
      log.error("no manager address is known; cannot open a session");
      return null;
    }
    return known.get(Math.floorMod(managerIndex++, known.size()));
  }

  private static String describe(Status status) {
    return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
  }
}
