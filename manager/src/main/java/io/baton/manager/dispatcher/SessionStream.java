package io.baton.manager.dispatcher;

import io.baton.api.SessionMessage;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * One node's open session: its id, its heartbeat deadline and the stream the dispatcher pushes to.
 * Pushes and closes may come from several threads; they are serialised here and become no-ops once
 * the stream has ended.
 */
final class SessionStream {
  private final String nodeId;
  private final String sessionId;
  private final ServerCallStreamObserver<SessionMessage> observer;
  private volatile long deadlineMs;
  private boolean closed;

  SessionStream(String nodeId, String sessionId, ServerCallStreamObserver<SessionMessage> observer, long deadlineMs) {
    this.nodeId = nodeId;
    this.sessionId = sessionId;
    this.observer = observer;
    this.deadlineMs = deadlineMs;
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
