package io.baton.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A position on the wire: a TCP relay that listens on one address, forwards every connection to
 * another, and keeps a copy of every byte that crosses it in either direction. Nodes that are told
 * to dial the relay (an advertised address) route all their traffic through it. It can also play a
 * network partition: while {@linkplain #partition() partitioned} it forwards nothing and closes
 * nothing, so both ends see a black hole (calls hang until their deadlines), as with a cut cable.
 */
public final class Wiretap implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<byte[]> clientStreams = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  /** Guarded by {@code this}: while true, pumps hold what they read and new connections wait. */
  private boolean partitioned;

  private Wiretap(ServerSocket listener, InetSocketAddress target) {
    this.listener = listener;
    this.target = target;
    Thread.ofPlatform().daemon().name("wiretap-" + listener.getLocalPort()).start(this::accept);
  }

  /** A relay on {@code listen} to {@code target}, accepting connections at once. */
  public static Wiretap between(InetSocketAddress listen, InetSocketAddress target) throws IOException {
    ServerSocket listener = new ServerSocket();
    listener.setReuseAddress(true);
    listener.bind(listen);
    return new Wiretap(listener, target);
  }

  /** Every byte relayed so far, both directions interleaved in arrival order. */
  public byte[] captured() {
    synchronized (captured) {
      return captured.toByteArray();
    }
  }

  /** The bytes each client sent on its connection, one entry per closed connection. */
  public List<byte[]> clientStreams() {
    return List.copyOf(clientStreams);
  }

  /** Stops forwarding in both directions without closing anything, until {@link #heal()}. */
  public synchronized void partition() {
    partitioned = true;
  }

  /** Forwards again; what was read during the partition is delivered late, as TCP would retransmit it. */
  public synchronized void heal() {
    partitioned = false;
    notifyAll();
  }

  private synchronized void awaitHealed() throws InterruptedException {
    while (partitioned && !closed) {
      wait();
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        awaitHealed();
        Socket server = new Socket();
        server.connect(target, 5_000);
        sockets.add(client);
        sockets.add(server);
        ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
        pump(client, server, fromClient);
        pump(server, client, null);
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        if (!closed) {
          // the target refused one connection (e.g. it is restarting): the client sees a reset
          continue;
        }
      }
    }
  }

  private void pump(Socket from, Socket to, ByteArrayOutputStream copy) {
    Thread.ofPlatform().daemon().name("wiretap-pump").start(() -> {
      byte[] buf = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n; (n = in.read(buf)) >= 0; ) {
          synchronized (captured) {
            captured.write(buf, 0, n);
          }
          if (copy != null) {
            copy.write(buf, 0, n);
          }
          awaitHealed();
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException connectionEnded) {
        // either side hung up
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        if (copy != null) {
          clientStreams.add(copy.toByteArray());
        }
        closeQuietly(from);
        closeQuietly(to);
      }
    });
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    listener.close();
    sockets.forEach(Wiretap::closeQuietly);
  }
}
