package io.baton.node.control;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one accepted control-socket connection: reads its request frame, forwards the call to the
 * target channel as a generic byte-array call, relays every response message and the final status
 * back (framing in the package documentation), then closes the connection.
 *
 * <p>Ownership and threads: this object owns the socket and closes it when the call ends, when the
 * client goes away, or on {@link #close()}. {@link #serve()} runs on the connection's own thread,
 * which reads the request and then watches the client side: end of stream (or any byte) before the
 * final status cancels the gRPC call. After the call starts, only gRPC callbacks write; they run
 * one at a time on {@code callbacks}, may block on a slow client, and ask for the next response
 * only after the previous one was written, so a slow reader slows the call instead of filling
 * memory.
 */
final class ControlConnection implements AutoCloseable {
  /** How long a client may take to send its request after connecting. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(ControlConnection.class);
  private static final byte MESSAGE_FRAME = 1;
  private static final byte STATUS_FRAME = 2;

  private final SocketChannel socket;
  private final Channel target;
  private final Function<String, MethodType> methodTypes;
  private final Executor callbacks;
  private final ScheduledExecutorService timer;

  ControlConnection(SocketChannel socket, Channel target, Function<String, MethodType> methodTypes,
      Executor callbacks, ScheduledExecutorService timer) {
    this.socket = socket;
    this.target = target;
    this.methodTypes = methodTypes;
    this.callbacks = callbacks;
    this.timer = timer;
  }

  /** Serves the connection's one call and closes it; never throws. */
  void serve() {
    try {
      RequestFrame request = readRequest();
      MethodType type = methodTypes.apply(request.method());
      if (type == null) {
        writeStatus(Status.UNIMPLEMENTED.withDescription("unknown method " + request.method()));
        return;
      }
      forward(request, type);
    } catch (BadRequestException e) {
      log.debug("control socket: refused a request: {}", e.getMessage());
      if (e.reply() != null) {
        writeStatusQuietly(e.reply());
      }
    } catch (IOException e) {
      log.debug("control socket: connection ended early: {}", e.toString());
    } catch (RuntimeException e) {
      log.warn("control socket: call failed", e);
      writeStatusQuietly(Status.INTERNAL.withDescription("control socket: " + e));
    } finally {
      close();
    }
  }

  /** Closes the connection; a call still running is cancelled by {@link #serve()}. Idempotent. */
  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      log.debug("control socket: closing a connection: {}", e.toString());
    }
  }

  private RequestFrame readRequest() throws IOException, BadRequestException {
    ScheduledFuture<?> timeout;
    try {
      timeout = timer.schedule(this::close, REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException shuttingDown) {
      throw new IOException("the control socket is closing");
    }
    try {
      return RequestFrame.read(socket);
    } finally {
      timeout.cancel(false);
    }
  }

  private void forward(RequestFrame request, MethodType type) {
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setFullMethodName(request.method())
        .setType(type)
        .setRequestMarshaller(ByteArrayMarshaller.INSTANCE)
        .setResponseMarshaller(ByteArrayMarshaller.INSTANCE)
        .build();
    ClientCall<byte[], byte[]> call = target.newCall(method, CallOptions.DEFAULT.withExecutor(callbacks));
    call.start(new Relay(call), new Metadata());
    try {
      call.request(1);
      call.sendMessage(request.payload());
      call.halfClose();
      awaitClientSide();
    } finally {
      call.cancel("the local client went away", null);
    }
  }

  /**
   * Blocks until the client ends its side or sends more than its request (both end the call), or
   * the socket is closed here (after the final status, or on shutdown).
   */
  private void awaitClientSide() {
    try {
      int read = socket.read(ByteBuffer.allocate(1));
      log.debug(read < 0 ? "control socket: client closed its side"
          : "control socket: client sent bytes after its request");
    } catch (IOException closedHereOrReset) {
      // The call has ended or the server is shutting down; either way there is nothing to watch.
    }
  }

  private void writeMessage(byte[] message) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(Integer.BYTES + 1).putInt(1 + message.length).put(MESSAGE_FRAME).flip();
    write(header, ByteBuffer.wrap(message));
  }

  private void writeStatus(Status status) throws IOException {
    byte[] description = status.getDescription() == null
        ? new byte[0] : status.getDescription().getBytes(StandardCharsets.UTF_8);
    ByteBuffer header = ByteBuffer.allocate(Integer.BYTES + 1 + Integer.BYTES)
        .putInt(1 + Integer.BYTES + description.length)
        .put(STATUS_FRAME)
        .putInt(status.getCode().value())
        .flip();
    write(header, ByteBuffer.wrap(description));
  }

  private void writeStatusQuietly(Status status) {
    try {
      writeStatus(status);
    } catch (IOException e) {
      log.debug("control socket: could not send {}: {}", status.getCode(), e.toString());
    }
  }

  private void write(ByteBuffer header, ByteBuffer body) throws IOException {
    ByteBuffer[] buffers = {header, body};
    while (body.hasRemaining() || header.hasRemaining()) {
      socket.write(buffers);
    }
  }

  /** Relays the forwarded call's responses to the socket; runs serialized on {@code callbacks}. */
  private final class Relay extends ClientCall.Listener<byte[]> {
    private final ClientCall<byte[], byte[]> call;

    Relay(ClientCall<byte[], byte[]> call) {
      this.call = call;
    }

    @Override
    public void onMessage(byte[] message) {
      try {
        writeMessage(message);
        call.request(1);
      } catch (IOException e) {
        call.cancel("the local client is gone", null);
        close();
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      writeStatusQuietly(status);
      close();
    }
  }
}
