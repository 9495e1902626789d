package io.baton.manager.dispatcher;

import io.baton.api.SessionMessage;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One node's open session: its id, its heartbeat deadline, the stream the dispatcher pushes to and
 * what the node holds from it ({@link HeldAssignments}). Syncs, pushes and closes may come from
 * several threads; they are serialised here and become no-ops once the stream has ended.
 */
final class SessionStream {
  private final String nodeId;
  private final String sessionId;
  private final ServerCallStreamObserver<SessionMessage> observer;
  private final HeldAssignments held;
  private volatile long deadlineMs;
  private boolean closed;

  SessionStream(String nodeId, String sessionId, ServerCallStreamObserver<SessionMessage> observer, long deadlineMs) {
    this.nodeId = nodeId;
    this.sessionId = sessionId;
    this.observer = observer;
    this.deadlineMs = deadlineMs;
    this.held = new HeldAssignments(sessionId);
  }

  String nodeId() {
    return nodeId;
  }

  String sessionId() {
    return sessionId;
  }

  long deadlineMs() {
    return deadlineMs;
  }

  void extend(long deadlineMs) {
    this.deadlineMs = deadlineMs;
  }

  /** Whether the node holds this task from this session. Any thread, without waiting. */
  boolean holdsTask(String taskId) {
    return held.holdsTask(taskId);
  }

  /** Whether the node holds this secret from this session. Any thread, without waiting. */
  boolean holdsSecret(String secretId) {
    return held.holdsSecret(secretId);
  }

  /**
   * Sends the node what changed since this session's previous message (everything, the first
   * time), or nothing if nothing changed. {@code current} is read under this stream's lock, so
   * concurrent syncs read the store in the order they send and a node never goes back to an older
   * set. An empty {@code current} (the node is gone from the store) sends nothing.
   */
  synchronized void sync(Supplier<Optional<SessionContent>> current) {
    if (!closed && !observer.isCancelled()) {
      current.get().flatMap(held::next).ifPresent(observer::onNext);
    }
  }

  synchronized void push(SessionMessage message) {
    if (!closed && !observer.isCancelled()) {
      observer.onNext(message);
    }
  }

  synchronized void close(Status status) {
    close(status.asRuntimeException());
  }

  /** Ends the stream with {@code error}'s status and trailers. */
  synchronized void close(io.grpc.StatusRuntimeException error) {
    if (!closed) {
      closed = true;
      if (!observer.isCancelled()) {
        observer.onError(error);
      }
    }
  }

  synchronized void markCancelled() {
    closed = true;
  }
}
