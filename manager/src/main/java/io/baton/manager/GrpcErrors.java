package io.baton.manager;

import io.baton.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The boundary where errors become gRPC statuses. Handlers throw {@link StatusRuntimeException} for
 * caller mistakes (with a message the user can act on) and let {@link StoreException} escape; this
 * class maps the latter and turns anything unexpected into INTERNAL without leaking its details.
 */
public final class GrpcErrors {
  private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  /** A body of a unary handler. */
  @FunctionalInterface
  public interface Body<T> {
    T run() throws StoreException;
  }

  /** Runs a unary handler body and completes the observer with its result or its mapped error. */
  public static <T> void unary(StreamObserver<T> observer, Body<T> body) {
    T result;
    try {
      result = body.run();
    } catch (RuntimeException | StoreException e) {
      observer.onError(toStatus(e));
      return;
    }
    observer.onNext(result);
    observer.onCompleted();
  }

  /** Maps an exception to the status a client sees. */
  public static StatusRuntimeException toStatus(Exception e) {
    return switch (e) {
      case StatusRuntimeException sre -> sre;
      case StoreException.NotLeader nl ->
          Status.UNAVAILABLE.withDescription(nl.getMessage()).asRuntimeException();
      case StoreException.Unavailable un ->
          Status.UNAVAILABLE.withDescription(un.getMessage()).asRuntimeException();
      case StoreException.Conflict co ->
          Status.ABORTED.withDescription(co.getMessage()).asRuntimeException();
      case StoreException.Corrupt co -> {
        log.error("cluster store is corrupt", co);
        yield Status.INTERNAL.withDescription(co.getMessage()).asRuntimeException();
      }
      default -> {
        log.error("unexpected error in an RPC handler", e);
        yield Status.INTERNAL.withDescription("internal error; see the manager's log").asRuntimeException();
      }
    };
  }

  /** Shorthand for an INVALID_ARGUMENT error with the given message. */
  public static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  /** Shorthand for a NOT_FOUND error with the given message. */
  public static StatusRuntimeException notFound(String message) {
    return Status.NOT_FOUND.withDescription(message).asRuntimeException();
  }

  /** Shorthand for a FAILED_PRECONDITION error with the given message. */
  public static StatusRuntimeException failedPrecondition(String message) {
    return Status.FAILED_PRECONDITION.withDescription(message).asRuntimeException();
  }
}
