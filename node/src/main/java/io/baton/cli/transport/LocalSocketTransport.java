package io.baton.cli.transport;

import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CLI's local path: calls over the node's unix-domain control socket
 * ({@code <state-dir>/control.sock}), one connection per call, in the framing specified by the
 * package documentation of {@code io.baton.node.control}.
 *
 * <p>Start-up cost is the point: this class and its helpers use only the JDK, protobuf and the
 * grpc-api classes ({@link MethodDescriptor} and its marshallers, {@link Status},
 * {@link io.grpc.StatusRuntimeException}) — no Netty, no TLS, no node code — so a local command
 * answers within the CLI's 150 ms budget (DESIGN §6).
 *
 * <p>Security: the socket file is 0600 in a 0700 directory; whoever can connect acts with the
 * node's own identity, and the node authorizes each call as it does for the network.
 *
 * <p>Thread-safe: every call owns its own connection. A unary call fails with DEADLINE_EXCEEDED if
 * the node has not answered within the unary timeout, so a hung node never hangs the CLI; streams
 * wait as long as the node takes. Nothing is connected until the first call.
 */
public final class LocalSocketTransport implements CliTransport {
  /** How long a unary call may take before the node is taken as hung. */
  public static final Duration DEFAULT_UNARY_TIMEOUT = Duration.ofSeconds(30);

  private final Path socketPath;
  private final Duration unaryTimeout;
  private final Set<LocalCall> openCalls = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private LocalSocketTransport(Path socketPath, Duration unaryTimeout) {
    this.socketPath = socketPath;
    this.unaryTimeout = unaryTimeout;
  }

  /** A transport to the node listening on {@code socketPath}, with the default unary timeout. */
  public static LocalSocketTransport connect(Path socketPath) {
    return connect(socketPath, DEFAULT_UNARY_TIMEOUT);
  }

  /** A transport to the node listening on {@code socketPath}; {@code unaryTimeout} must be positive. */
  public static LocalSocketTransport connect(Path socketPath, Duration unaryTimeout) {
    Objects.requireNonNull(socketPath, "socketPath");
    if (unaryTimeout.isNegative() || unaryTimeout.isZero()) {
      throw new IllegalArgumentException("unary timeout must be positive: " + unaryTimeout);
    }
    return new LocalSocketTransport(socketPath, unaryTimeout);
  }

  public Path socketPath() {
    return socketPath;
  }

  @Override
  public <Q extends Message, R extends Message> R unary(MethodDescriptor<Q, R> method, Q request) {
    LocalCall call = begin(method, request, unaryTimeout);
    try {
      InputStream message = call.next();
      if (message == null) {
        throw Status.INTERNAL.withDescription(method.getFullMethodName() + ": the node ended the call"
            + " without a response").asRuntimeException();
      }
      R response = method.parseResponse(message);
      if (call.next() != null) {
        throw Status.INTERNAL.withDescription(method.getFullMethodName() + ": the node sent more than one"
            + " response").asRuntimeException();
      }
      return response;
    } finally {
      call.close();
      openCalls.remove(call);
    }
  }

  @Override
  public <Q extends Message, R extends Message> Iterator<R> serverStream(MethodDescriptor<Q, R> method, Q request) {
    LocalCall call = begin(method, request, null);
    return new ResponseIterator<>(method, call, () -> openCalls.remove(call));
  }

  /** Closes the connections of calls still open; their iterators then fail with CANCELLED. */
  @Override
  public void close() {
    closed = true;
    openCalls.forEach(LocalCall::close);
    openCalls.clear();
  }

  private <Q> LocalCall begin(MethodDescriptor<Q, ?> method, Q request, Duration timeout) {
    if (closed) {
      throw Status.CANCELLED.withDescription("the transport is closed").asRuntimeException();
    }
    LocalCall call = LocalCall.start(socketPath, method.getFullMethodName(), serialize(method, request), timeout);
    openCalls.add(call);
    if (closed) {
      call.close();
      openCalls.remove(call);
      throw Status.CANCELLED.withDescription("the transport is closed").asRuntimeException();
    }
    return call;
  }

  private static <Q> byte[] serialize(MethodDescriptor<Q, ?> method, Q request) {
    try (InputStream stream = method.streamRequest(request)) {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw Status.INTERNAL.withDescription("cannot serialize the request: " + e.getMessage()).withCause(e)
          .asRuntimeException();
    }
  }
}
