package io.baton.manager.dispatcher;

import com.google.protobuf.UnknownFieldSet;
import io.baton.api.Cluster;
import io.baton.api.DispatcherGrpc;
import io.baton.api.HeartbeatRequest;
import io.baton.api.HeartbeatResponse;
import io.baton.api.ManagerPeer;
import io.baton.api.Node;
import io.baton.api.NodeDescription;
import io.baton.api.NodeRole;
import io.baton.api.NodeState;
import io.baton.api.NodeStatus;
import io.baton.api.SessionMessage;
import io.baton.api.SessionMessageKind;
import io.baton.api.SessionRequest;
import io.baton.api.PublishLogsMessage;
import io.baton.api.PublishLogsResponse;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import io.baton.api.TaskStatusUpdate;
import io.baton.api.UpdateTaskStatusRequest;
import io.baton.api.UpdateTaskStatusResponse;
import io.baton.api.store.ObjectKind;
import io.baton.api.store.StoreObject;
import io.baton.manager.logbroker.LogBroker;
import io.baton.manager.orchestrator.TaskStates;
import io.baton.store.ReadView;
import io.baton.ca.Identifiers;
import io.baton.ca.NodeRemoval;
import io.baton.manager.GrpcErrors;
import io.baton.manager.auth.Caller;
import io.baton.manager.ca.RootRotations;
import io.baton.store.ClusterStore;
import io.baton.store.StoreEvent;
import io.baton.store.StoreException;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one session per node and pushes to it; nodes never poll and never name what they want.
 *
 * <p>A session's first message is the node's complete assignment set; later ones carry only what
 * changed ({@link HeldAssignments}). Store changes are gathered for {@link
 * DispatcherConfig#pushBatchWindow()} and each node they concern gets one message for all of them:
 * a task change concerns the node it is assigned to (and the node that held it), a secret change
 * only the nodes holding that secret, a cluster change (heartbeat period) or a change of the manager
 * list every node.
 *
 * <p>The caller's node id always comes from its certificate ({@link Caller}); a heartbeat names its
 * session id too, and a heartbeat for another session or node is refused. Liveness is kept in memory
 * and only transitions (ready, down) are written to the store. Runs on the leader.
 */
public final class Dispatcher extends DispatcherGrpc.DispatcherImplBase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final ClusterStore store;
  private final LogBroker logs;
  private final DispatcherConfig config;
  private final Clock clock;
  private final SecureRandom random;
  private final ScheduledExecutorService scheduler;
  /** Earlier statuses kept on each task. */
  private static final int TASK_HISTORY = 10;
  /**
   * Largest node description kept in the store: a real one (hostname, OS, version...) is a few
   * hundred bytes, and a node must not fill the replicated store with what it says of itself.
   */
  static final int MAX_DESCRIPTION_BYTES = 4 * 1024;

  private final Map<String, SessionStream> sessions = new ConcurrentHashMap<>();
  private final Map<String, Long> awaitingReconnect = new ConcurrentHashMap<>();
  private final Map<String, Deque<Long>> registrations = new ConcurrentHashMap<>();
  /** Nodes to sync at the end of the current batch window. */
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  /** The manager list as of the last node change, to notice when every node must get a new one. */
  private volatile List<ManagerPeer> managers = List.of();
  private ScheduledFuture<?> expiryTask;
  private io.baton.store.Subscription subscription;

  public Dispatcher(
      ClusterStore store,
      DispatcherConfig config,
      Clock clock,
      SecureRandom random,
      ScheduledExecutorService scheduler,
      LogBroker logs) {
    this.logs = logs;
    this.store = store;
    this.config = config;
    this.clock = clock;
    this.random = random;
    this.scheduler = scheduler;
  }

  /** Starts following the store and checking heartbeats; sessions are served only while leading. */
  public synchronized void start() {
    managers = managers(store.view());
    subscription = store.watch(this::onStoreEvent);
    long every = config.expiryCheckInterval().toMillis();
    expiryTask = scheduler.scheduleWithFixedDelay(this::expireSessions, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Called when this manager becomes the Raft leader. Nodes the store shows as ready (their
   * sessions were with a previous leader, or with this manager before it restarted) are given
   * {@link DispatcherConfig#unknownMultiplier()} periods to open a session here before they are
   * marked down.
   */
  public synchronized void onElected() throws StoreException {
    long deadline = clock.millis() + periodMs() * config.unknownMultiplier();
    store.update(tx -> {
      for (Node node : tx.nodes()) {
        if (node.getStatus().getState() == NodeState.NODE_STATE_READY && !sessions.containsKey(node.getId())) {
          tx.put(withState(node, NodeState.NODE_STATE_UNKNOWN, "a new leader took over; waiting for the node to reconnect"));
        }
      }
      return null;
    });
    for (Node node : store.view().nodes()) {
      if (node.getStatus().getState() == NodeState.NODE_STATE_UNKNOWN) {
        awaitingReconnect.put(node.getId(), deadline);
      }
    }
  }

  /**
   * Called when this manager stops being the leader: its sessions end, so their nodes reconnect
   * and reach the new leader (through any manager).
   */
  public synchronized void onDeposed() {
    awaitingReconnect.clear();
    sessions.values().forEach(s -> s.close(
        Status.UNAVAILABLE.withDescription("this manager is no longer the Raft leader; reconnect")));
    sessions.clear();
  }

  @Override
  public void session(SessionRequest request, StreamObserver<SessionMessage> responseObserver) {
    Caller.Node caller = (Caller.Node) Caller.current();
    var observer = (ServerCallStreamObserver<SessionMessage>) responseObserver;
    String nodeId = caller.nodeId();
    if (!allowRegistration(nodeId)) {
      observer.onError(Status.UNAVAILABLE
          .withDescription("node " + nodeId + " exceeded the session registration rate; retry later")
          .asRuntimeException());
      return;
    }
    // Only the fields the schema knows are kept: a node reports nothing else about itself.
    NodeDescription description = request.getDescription().toBuilder()
        .setUnknownFields(UnknownFieldSet.getDefaultInstance()).build();
    if (description.getSerializedSize() > MAX_DESCRIPTION_BYTES) {
      observer.onError(Status.INVALID_ARGUMENT
          .withDescription("the node description is larger than " + MAX_DESCRIPTION_BYTES + " bytes")
          .asRuntimeException());
      return;
    }
    try {
      markReady(nodeId, description, caller.remoteAddress());
    } catch (RuntimeException | StoreException e) {
      observer.onError(GrpcErrors.toStatus(e));
      return;
    }
    SessionStream stream = new SessionStream(nodeId, Identifiers.newId(random), observer, deadlineFromNow());
    observer.setOnCancelHandler(() -> {
      stream.markCancelled();
      // A closed connection (a dead agent's socket is reset at once) gets one period to come back
      // instead of the full grace, so a crashed worker's tasks move in about one heartbeat period.
      stream.extend(Math.min(stream.deadlineMs(), clock.millis() + periodMs()));
      log.debug("session {} of node {} closed by the node", stream.sessionId(), nodeId);
    });
    awaitingReconnect.remove(nodeId);
    SessionStream previous = sessions.put(nodeId, stream);
    if (previous != null) {
      previous.close(Status.ABORTED.withDescription("superseded by a newer session of the same node"));
    }
    sync(stream);
    log.info("node {} opened session {}", nodeId, stream.sessionId());
  }

  @Override
  public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> observer) {
    GrpcErrors.unary(observer, () -> {
      String nodeId = ((Caller.Node) Caller.current()).nodeId();
      requireSession(nodeId, request.getSessionId()).extend(deadlineFromNow());
      restoreReady(nodeId);
      recordCertificateSerial(nodeId, request.getCertificateSerial());
      return HeartbeatResponse.newBuilder().setPeriodMs(periodMs()).build();
    });
  }

  /**
   * Stores the certificate serial a node reports when it changed (after a renewal): a root rotation
   * counts a node as moved only once the node itself says it holds the new certificate. Self-reported,
   * so a node can only delay a rotation (which the operator sees) or hurry its own cut-off.
   */
  private void recordCertificateSerial(String nodeId, String serial) throws StoreException {
    if (serial.isEmpty() || store.view().node(nodeId)
        .map(n -> n.getDescription().getCertificateSerial().equals(serial)).orElse(true)) {
      return;
    }
    store.update(tx -> {
      tx.node(nodeId).ifPresent(n -> tx.put(n.toBuilder()
          .setDescription(n.getDescription().toBuilder().setCertificateSerial(serial))
          .build()));
      return null;
    });
  }

  private SessionStream requireSession(String nodeId, String sessionId) {
    SessionStream stream = sessions.get(nodeId);
    if (stream == null) {
      throw GrpcErrors.notFound("node " + nodeId + " has no session; open a new one");
    }
    if (!stream.sessionId().equals(sessionId)) {
      throw GrpcErrors.invalid("session invalid; open a new session");
    }
    return stream;
  }

  /** Node ids with an open session (for tests and diagnostics). */
  public Set<String> connectedNodes() {
    return Set.copyOf(sessions.keySet());
  }

  @Override
  public synchronized void close() {
    if (expiryTask != null) {
      expiryTask.cancel(false);
    }
    if (subscription != null) {
      subscription.close();
    }
    sessions.values().forEach(s -> s.close(Status.UNAVAILABLE.withDescription("manager is shutting down")));
    sessions.clear();
  }

  private void expireSessions() {
    if (!store.isLeader()) {
      return;
    }
    long now = clock.millis();
    for (SessionStream stream : sessions.values()) {
      if (stream.deadlineMs() < now && sessions.remove(stream.nodeId(), stream)) {
        stream.close(Status.UNAVAILABLE.withDescription("heartbeat expired; open a new session"));
        markDown(stream.nodeId(), "heartbeat failure");
      }
    }
    awaitingReconnect.forEach((nodeId, deadline) -> {
      if (deadline < now && awaitingReconnect.remove(nodeId, deadline)) {
        markDown(nodeId, "did not reconnect to the new leader");
      }
    });
  }

  private void markDown(String nodeId, String reason) {
    try {
      boolean marked = store.update(tx -> {
        Optional<Node> node = tx.node(nodeId)
            .filter(n -> n.getStatus().getState() != NodeState.NODE_STATE_DOWN && !sessions.containsKey(nodeId));
        node.ifPresent(n -> tx.put(withState(n, NodeState.NODE_STATE_DOWN, reason)));
        return node.isPresent();
      });
      if (marked) {
        log.warn("node {} is down: {}", nodeId, reason);
      }
    } catch (StoreException e) {
      log.warn("could not mark node {} down: {}", nodeId, e.getMessage());
    }
  }

  /**
   * A node whose session is live is ready, whatever the store says: a new leader's {@link
   * #onElected} may have marked it unknown in the instant its session was being opened, and no
   * other event would set it ready again. Reads the local view first, so a heartbeat of a ready
   * node writes nothing.
   */
  private void restoreReady(String nodeId) throws StoreException {
    if (store.view().node(nodeId).map(n -> n.getStatus().getState() == NodeState.NODE_STATE_READY).orElse(true)) {
      return;
    }
    store.update(tx -> {
      tx.node(nodeId)
          .filter(n -> n.getStatus().getState() != NodeState.NODE_STATE_READY && sessions.containsKey(nodeId))
          .ifPresent(n -> tx.put(withState(n, NodeState.NODE_STATE_READY, "")));
      return null;
    });
    awaitingReconnect.remove(nodeId);
  }

  private void markReady(String nodeId, NodeDescription description, String address) throws StoreException {
    store.update(tx -> {
      Node node = tx.node(nodeId).orElseThrow(() -> Status.PERMISSION_DENIED
          .withDescription("node " + nodeId + " is not a member of this cluster")
          .asRuntimeException());
      Node ready = node.toBuilder()
          .setDescription(description)
          .setStatus(NodeStatus.newBuilder()
              .setState(NodeState.NODE_STATE_READY)
              .setAddr(address)
              .setUpdatedAtMs(clock.millis()))
          .build();
      tx.put(ready);
      return null;
    });
  }

  private void onStoreEvent(StoreEvent event) {
    Set<String> affected = new HashSet<>();
    boolean everyone = false;
    boolean nodesChanged = false;
    for (StoreObject object : event.changed()) {
      if (object.hasNode()) {
        affected.add(object.getNode().getId());
        nodesChanged = true;
      } else if (object.hasTask()) {
        if (!object.getTask().getNodeId().isEmpty()) {
          affected.add(object.getTask().getNodeId());
        }
        affected.addAll(holding(object.getTask().getId(), SessionStream::holdsTask));
      } else if (object.hasSecret()) {
        affected.addAll(holding(object.getSecret().getId(), SessionStream::holdsSecret));
      } else if (object.hasCluster()) {
        everyone = true;
      }
    }
    for (var ref : event.deleted()) {
      if (ref.getKind() == ObjectKind.OBJECT_KIND_NODE) {
        nodesChanged = true;
        SessionStream stream = sessions.remove(ref.getId());
        if (stream != null) {
          // Tell the node first, so it stops its tasks and wipes its credentials even if the
          // refusal below is lost; the interceptor refuses its every later call anyway.
          stream.push(SessionMessage.newBuilder()
              .setSessionId(stream.sessionId())
              .setKind(SessionMessageKind.SESSION_MESSAGE_KIND_INCREMENTAL)
              .setRemoved(true)
              .build());
          stream.close(NodeRemoval.refusal(ref.getId()));
          log.info("closed the session of removed node {}", ref.getId());
        }
      } else if (ref.getKind() == ObjectKind.OBJECT_KIND_TASK) {
        affected.addAll(holding(ref.getId(), SessionStream::holdsTask));
      } else if (ref.getKind() == ObjectKind.OBJECT_KIND_SECRET) {
        affected.addAll(holding(ref.getId(), SessionStream::holdsSecret));
      }
    }
    if (nodesChanged) {
      List<ManagerPeer> now = managers(store.view());
      if (!now.equals(managers)) {
        managers = now;
        everyone = true;
      }
    }
    push(everyone ? sessions.keySet() : affected);
  }

  /** The nodes whose sessions hold the object with this id. */
  private List<String> holding(String id, java.util.function.BiPredicate<SessionStream, String> holds) {
    return sessions.values().stream().filter(s -> holds.test(s, id)).map(SessionStream::nodeId).toList();
  }

  /**
   * Sends each of these nodes that has a session what changed for it, at the end of the current
   * batch window (together with every other change of the window).
   */
  public void push(Collection<String> nodeIds) {
    if (nodeIds.isEmpty()) {
      return;
    }
    pending.addAll(nodeIds);
    if (flushScheduled.compareAndSet(false, true)) {
      try {
        scheduler.schedule(this::flush, config.pushBatchWindow().toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        log.debug("not pushing to nodes: the manager is shutting down");
      }
    }
  }

  private void flush() {
    // Cleared before draining: a node added from now on is either drained below or scheduled anew.
    flushScheduled.set(false);
    for (Iterator<String> it = pending.iterator(); it.hasNext(); ) {
      String nodeId = it.next();
      it.remove();
      SessionStream stream = sessions.get(nodeId);
      if (stream == null) {
        continue;
      }
      try {
        sync(stream);
      } catch (RuntimeException e) {
        log.warn("could not push to node {}: {}", nodeId, e.toString());
      }
    }
  }

  private void sync(SessionStream stream) {
    stream.sync(() -> content(stream.nodeId()));
  }

  @Override
  public StreamObserver<PublishLogsMessage> publishLogs(StreamObserver<PublishLogsResponse> response) {
    return logs.publish(((Caller.Node) Caller.current()).nodeId(), response);
  }

  @Override
  public void updateTaskStatus(UpdateTaskStatusRequest request, StreamObserver<UpdateTaskStatusResponse> observer) {
    GrpcErrors.unary(observer, () -> {
      String nodeId = ((Caller.Node) Caller.current()).nodeId();
      requireSession(nodeId, request.getSessionId());
      ReadView view = store.view();
      for (TaskStatusUpdate update : request.getUpdatesList()) {
        view.task(update.getTaskId())
            .filter(task -> !task.getNodeId().equals(nodeId))
            .ifPresent(task -> {
              throw Status.PERMISSION_DENIED
                  .withDescription("cannot update task " + task.getId() + ": it is not assigned to this node")
                  .asRuntimeException();
            });
      }
      long now = clock.millis();
      store.update(tx -> {
        for (TaskStatusUpdate update : request.getUpdatesList()) {
          tx.task(update.getTaskId())
              .filter(task -> task.getNodeId().equals(nodeId))
              .filter(task -> update.getStatus().getState().getNumber() > task.getStatus().getState().getNumber())
              .ifPresent(task -> tx.put(TaskStates.withStatus(task,
                  update.getStatus().toBuilder().setTimestampMs(now).build(), TASK_HISTORY)));
        }
        return null;
      });
      return UpdateTaskStatusResponse.getDefaultInstance();
    });
  }

  /** What the node's session carries now, or empty if the node is gone from the store. */
  private Optional<SessionContent> content(String nodeId) {
    ReadView view = store.view();
    return view.node(nodeId).map(node -> {
      Assignments assigned = Assignments.of(view, node);
      if (!assigned.rejected().isEmpty()) {
        scheduler.execute(() -> reject(node.getId(), assigned.rejected()));
      }
      return new SessionContent(node, periodMs(view), managers(view), assigned, logs.forNode(nodeId),
          view.cluster().map(RootRotations::trustedRootsPem).orElse(""));
    });
  }

  private static List<ManagerPeer> managers(ReadView view) {
    return view.nodes().stream()
        .filter(n -> n.getRole() == NodeRole.NODE_ROLE_MANAGER && !n.getManagerAddr().isEmpty())
        .map(n -> ManagerPeer.newBuilder().setNodeId(n.getId()).setAddr(n.getManagerAddr()).build())
        .toList();
  }

  /**
   * Marks rejected the tasks of {@code nodeId} that a secret's zone policy keeps from it (they were
   * never sent), so that {@code service ps} shows why and the orchestrator replaces them.
   */
  private void reject(String nodeId, Map<String, String> reasons) {
    if (!store.isLeader()) {
      return;
    }
    long now = clock.millis();
    try {
      store.update(tx -> {
        reasons.forEach((taskId, reason) -> tx.task(taskId)
            .filter(task -> task.getNodeId().equals(nodeId))
            .filter(task -> !TaskStates.isTerminal(task.getStatus().getState()))
            .ifPresent(task -> tx.put(TaskStates.withStatus(task, TaskStatus.newBuilder()
                .setState(TaskState.TASK_STATE_REJECTED)
                .setTimestampMs(now)
                .setMessage("rejected")
                .setError(reason)
                .build(), TASK_HISTORY))));
        return null;
      });
      reasons.forEach((taskId, reason) -> log.warn("task {} rejected: {}", taskId, reason));
    } catch (StoreException | RuntimeException e) {
      log.warn("could not mark tasks of node {} rejected: {}", nodeId, e.getMessage());
    }
  }

  private boolean allowRegistration(String nodeId) {
    long now = clock.millis();
    Deque<Long> times = registrations.computeIfAbsent(nodeId, k -> new ArrayDeque<>());
    synchronized (times) {
      while (!times.isEmpty() && times.peekFirst() < now - config.registrationWindow().toMillis()) {
        times.pollFirst();
      }
      if (times.size() >= config.maxRegistrations()) {
        return false;
      }
      times.addLast(now);
      return true;
    }
  }

  private long deadlineFromNow() {
    return clock.millis() + periodMs() * config.graceMultiplier();
  }

  private long periodMs() {
    return periodMs(store.view());
  }

  private long periodMs(ReadView view) {
    return view.cluster()
        .map(Cluster::getSpec)
        .map(s -> s.getHeartbeatPeriodMs())
        .filter(p -> p > 0)
        .orElse(config.defaultHeartbeatPeriod().toMillis());
  }

  private Node withState(Node node, NodeState state, String message) {
    return node.toBuilder()
        .setStatus(node.getStatus().toBuilder()
            .setState(state)
            .setMessage(message)
            .setUpdatedAtMs(clock.millis()))
        .build();
  }
}
