package io.baton.cli.transport;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One call over the node's control socket: one connection, one request frame, then response frames
 * until the final status. The framing is specified in the package documentation of
 * {@code io.baton.node.control} and mirrored here, so the client loads no node code.
 *
 * <p>The connection is non-blocking and waited on with a {@link Selector}, so an optional timeout
 * bounds the whole call (connect, request, every response) without a timer thread.
 *
 * <p>Not thread-safe, except {@link #close()}, which any thread may call to end the call; a read
 * blocked in another thread then fails with CANCELLED. The call owns its connection and closes it
 * after the final status, on any failure, or on {@code close()}.
 */
final class LocalCall implements AutoCloseable {
  /** Largest request frame body the node accepts (its limit; see the wire format). */
  static final int MAX_REQUEST_BODY = 8 * 1024 * 1024;
  /** Largest response frame body accepted: a bound against a garbled length, far above real answers. */
  static final int MAX_RESPONSE_BODY = 64 * 1024 * 1024;

  private static final byte MESSAGE_FRAME = 1;
  private static final byte STATUS_FRAME = 2;
  private static final int MAX_METHOD_NAME = 0xFFFF;

  private final Path socketPath;
  private final Duration timeout;
  private final long deadline;
  private final SocketChannel channel;
  private final Selector selector;
  private final SelectionKey key;
  private volatile boolean closed;

  private LocalCall(Path socketPath, Duration timeout, long deadline, SocketChannel channel, Selector selector,
      SelectionKey key) {
    this.socketPath = socketPath;
    this.timeout = timeout;
    this.deadline = deadline;
    this.channel = channel;
    this.selector = selector;
    this.key = key;
  }

  /**
   * Connects to {@code socketPath} and sends the request.
   *
   * @param timeout bound on the whole call, or null to wait as long as the node takes
   * @throws StatusRuntimeException UNAVAILABLE if the node cannot be reached; RESOURCE_EXHAUSTED if
   *     the request exceeds the socket's limit
   */
  static LocalCall start(Path socketPath, String fullMethodName, byte[] payload, Duration timeout) {
    ByteBuffer frame = requestFrame(fullMethodName, payload);
    long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
    SocketChannel channel = null;
    try {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      channel.connect(UnixDomainSocketAddress.of(socketPath));
    } catch (IOException e) {
      closeQuietly(channel);
      throw unreachable(socketPath, e);
    }
    LocalCall call;
    try {
      channel.configureBlocking(false);
      Selector selector = Selector.open();
      call = new LocalCall(socketPath, timeout, deadline, channel, selector, channel.register(selector, 0));
    } catch (IOException e) {
      closeQuietly(channel);
      throw Status.UNAVAILABLE.withDescription("cannot use the connection to the node at " + socketPath + ": "
          + e.getMessage()).withCause(e).asRuntimeException();
    }
    return call.guarded(() -> call.send(frame));
  }

  /**
   * Waits for the next response message.
   *
   * @return the serialized message, or null once the node ended the call with OK
   * @throws StatusRuntimeException the node's error status, or UNAVAILABLE, DEADLINE_EXCEEDED,
   *     CANCELLED (closed meanwhile), INTERNAL (malformed answer)
   */
  InputStream next() {
    return guarded(this::readFrame);
  }

  /** Ends the call and closes the connection; the node then cancels the call. Idempotent. */
  @Override
  public void close() {
    closed = true;
    try {
      selector.close();
    } catch (IOException ignored) {
      // Nothing is left to release when closing a selector fails.
    }
    closeQuietly(channel);
  }

  private InputStream readFrame() throws IOException {
    int length = fill(ByteBuffer.allocate(Integer.BYTES)).getInt();
    if (length < 1 || length > MAX_RESPONSE_BODY) {
      throw malformed("a response frame of " + length + " bytes");
    }
    ByteBuffer body = fill(ByteBuffer.allocate(length));
    byte type = body.get();
    if (type == MESSAGE_FRAME) {
      return new ByteArrayInputStream(body.array(), 1, length - 1);
    }
    if (type != STATUS_FRAME || body.remaining() < Integer.BYTES) {
      throw malformed("a response frame of type " + type + " and " + length + " bytes");
    }
    int code = body.getInt();
    String description = StandardCharsets.UTF_8.decode(body).toString();
    close();
    Status status = Status.fromCodeValue(code).withDescription(description.isEmpty() ? null : description);
    if (status.isOk()) {
      return null;
    }
    throw status.asRuntimeException();
  }

  private LocalCall send(ByteBuffer frame) throws IOException {
    while (frame.hasRemaining()) {
      if (channel.write(frame) == 0) {
        await(SelectionKey.OP_WRITE);
      }
    }
    return this;
  }

  private ByteBuffer fill(ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer);
      if (read < 0) {
        throw new EOFException();
      }
      if (read == 0) {
        await(SelectionKey.OP_READ);
      }
    }
    return buffer.flip();
  }

  private void await(int operation) throws IOException {
    key.interestOps(operation);
    long waitMillis = 0;
    if (timeout != null) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        String limit = timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
        throw Status.DEADLINE_EXCEEDED.withDescription("the node at " + socketPath + " did not answer within "
            + limit).asRuntimeException();
      }
      waitMillis = (left + 999_999) / 1_000_000;
    }
    selector.select(waitMillis);
    if (Thread.currentThread().isInterrupted()) {
      throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
    }
    selector.selectedKeys().clear();
  }

  private <T> T guarded(IoStep<T> step) {
    try {
      return step.run();
    } catch (EOFException e) {
      close();
      throw Status.UNAVAILABLE.withDescription("the node at " + socketPath + " closed the connection before"
          + " answering").asRuntimeException();
    } catch (IOException | ClosedSelectorException | CancelledKeyException e) {
      boolean closedHere = closed;
      close();
      if (closedHere) {
        throw Status.CANCELLED.withDescription("the call was closed").asRuntimeException();
      }
      throw Status.UNAVAILABLE.withDescription("lost the connection to the node at " + socketPath + ": "
          + e.getMessage()).withCause(e).asRuntimeException();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private StatusRuntimeException malformed(String what) {
    return Status.INTERNAL.withDescription("malformed answer from the node at " + socketPath + ": " + what)
        .asRuntimeException();
  }

  private static ByteBuffer requestFrame(String fullMethodName, byte[] payload) {
    byte[] name = fullMethodName.getBytes(StandardCharsets.UTF_8);
    if (name.length == 0 || name.length > MAX_METHOD_NAME) {
      throw Status.INTERNAL.withDescription("method name of " + name.length + " bytes cannot be sent")
          .asRuntimeException();
    }
    long body = (long) Short.BYTES + name.length + payload.length;
    if (body > MAX_REQUEST_BODY) {
      throw Status.RESOURCE_EXHAUSTED.withDescription("request of " + body + " bytes is larger than the"
          + " control socket's limit of " + MAX_REQUEST_BODY).asRuntimeException();
    }
    return ByteBuffer.allocate(Integer.BYTES + (int) body)
        .putInt((int) body)
        .putShort((short) name.length)
        .put(name)
        .put(payload)
        .flip();
  }

  private static StatusRuntimeException unreachable(Path socketPath, IOException e) {
    String reason = Files.exists(socketPath) && !Files.isWritable(socketPath)
        ? "permission denied (run as the node's user)"
        : "is it running?";
    return Status.UNAVAILABLE.withDescription("cannot reach the node at " + socketPath + ": " + reason)
        .withCause(e).asRuntimeException();
  }

  private static void closeQuietly(SocketChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // The connection is being abandoned; a failure to close it changes nothing for the caller.
    }
  }

  @FunctionalInterface
  private interface IoStep<T> {
    T run() throws IOException;
  }
}
