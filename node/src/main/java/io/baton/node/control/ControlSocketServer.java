package io.baton.node.control;

import io.grpc.Channel;
import io.grpc.MethodDescriptor.MethodType;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the node's local control socket ({@code <state-dir>/control.sock}, mode 0600): every
 * connection carries one call (framing in the package documentation), forwarded to {@code target}
 * — an in-process channel to the node's own gRPC services, whose interceptors apply identity and
 * authorization. This class adds no authorization of its own beyond the socket file's mode.
 *
 * <p>Each connection is served on its own virtual thread. The server owns the socket file (created
 * by {@link #start}, deleted by {@link #close()} if it is still the one created) and the open
 * connections; it does not own {@code target}, which the caller shuts down after closing this.
 * Thread-safe.
 */
public final class ControlSocketServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlSocketServer.class);
  /** Pause after a failed accept (e.g. out of file descriptors), so the loop does not spin. */
  private static final Duration ACCEPT_RETRY_PAUSE = Duration.ofMillis(100);
  private static final ThreadFactory CONNECTION_THREADS = Thread.ofVirtual().name("control-socket-connection").factory();
  private static final ThreadFactory CALLBACK_THREADS = Thread.ofVirtual().name("control-socket-call").factory();

  private final Path socketPath;
  private final Object socketFileKey;
  private final ServerSocketChannel listener;
  private final Channel target;
  private final Function<String, MethodType> methodTypes;
  private final Executor callbacks = task -> CALLBACK_THREADS.newThread(task).start();
  private final ScheduledThreadPoolExecutor timer;
  private final Set<ControlConnection> connections = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private volatile boolean closed;

  private ControlSocketServer(Path socketPath, ServerSocketChannel listener, Channel target,
      Function<String, MethodType> methodTypes) {
    this.socketPath = socketPath;
    this.socketFileKey = SocketFile.fileKey(socketPath);
    this.listener = listener;
    this.target = target;
    this.methodTypes = methodTypes;
    this.timer = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("control-socket-timer").factory());
    this.timer.setRemoveOnCancelPolicy(true);
    this.acceptor = Thread.ofVirtual().name("control-socket-accept").unstarted(this::acceptLoop);
  }

  /**
   * Binds {@code socketPath} (replacing a stale socket file left by a dead node), restricts it to
   * its owner and starts accepting.
   *
   * @param target channel each call is forwarded to; not owned by the server
   * @param methodTypes the type of each full method name the target serves, null for unknown
   *     methods (answered with UNIMPLEMENTED); called from connection threads
   * @throws IOException "another node is running on DIR" if a live server answers on the path, or
   *     any failure to bind
   */
  public static ControlSocketServer start(Path socketPath, Channel target, Function<String, MethodType> methodTypes)
      throws IOException {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(methodTypes, "methodTypes");
    ServerSocketChannel listener = SocketFile.bindOwnerOnly(socketPath);
    ControlSocketServer server = new ControlSocketServer(socketPath, listener, target, methodTypes);
    server.acceptor.start();
    log.debug("control socket listening on {}", socketPath);
    return server;
  }

  public Path socketPath() {
    return socketPath;
  }

  /**
   * Waits until no client is connected, or {@code timeout} has passed: lets the last caller read
   * its answer before {@link #close} cuts the connection.
   */
  public void awaitIdle(java.time.Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!connections.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  /**
   * Stops accepting, closes every open connection (cancelling its call) and deletes the socket
   * file unless another server has replaced it since. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      listener.close();
    } catch (IOException e) {
      log.debug("control socket: closing the listener: {}", e.toString());
    }
    connections.forEach(ControlConnection::close);
    timer.shutdownNow();
    try {
      acceptor.join(Duration.ofSeconds(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteSocketFile();
  }

  private void acceptLoop() {
    while (!closed) {
      SocketChannel socket;
      try {
        socket = listener.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (closed) {
          return;
        }
        log.warn("control socket: accept failed: {}", e.toString());
        pause();
        continue;
      }
      ControlConnection connection = new ControlConnection(socket, target, methodTypes, callbacks, timer);
      connections.add(connection);
      if (closed) {
        connection.close();
        connections.remove(connection);
        return;
      }
      CONNECTION_THREADS.newThread(() -> {
        try {
          connection.serve();
        } finally {
          connections.remove(connection);
        }
      }).start();
    }
  }

  private void deleteSocketFile() {
    Object current = SocketFile.fileKey(socketPath);
    if (current == null || (socketFileKey != null && !socketFileKey.equals(current))) {
      return;
    }
    try {
      Files.deleteIfExists(socketPath);
    } catch (IOException e) {
      log.warn("cannot delete the control socket {}: {}", socketPath, e.toString());
    }
  }

  private static void pause() {
    try {
      Thread.sleep(ACCEPT_RETRY_PAUSE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
