package io.baton.it.attack;

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
 * The eavesdropper's position on the wire: a TCP relay that listens on one address, forwards every
 * connection to another, and keeps a copy of every byte that crosses it in either direction. Nodes
 * that are told to dial the relay (an advertised address) route all their traffic through it.
 */
final class Wiretap implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<byte[]> clientStreams = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private Wiretap(ServerSocket listener, InetSocketAddress target) {
    this.listener = listener;
    this.target = target;
    Thread.ofPlatform().daemon().name("wiretap-" + listener.getLocalPort()).start(this::accept);
  }

  /** A relay on {@code listen} to {@code target}, accepting connections at once. */
  static Wiretap between(InetSocketAddress listen, InetSocketAddress target) throws IOException {
    ServerSocket listener = new ServerSocket();
    listener.setReuseAddress(true);
    listener.bind(listen);
    return new Wiretap(listener, target);
  }

  /** Every byte relayed so far, both directions interleaved in arrival order. */
  byte[] captured() {
    synchronized (captured) {
      return captured.toByteArray();
    }
  }

  /** The bytes each client sent on its connection, one entry per closed connection. */
  List<byte[]> clientStreams() {
    return List.copyOf(clientStreams);
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket();
        server.connect(target, 5_000);
        sockets.add(client);
        sockets.add(server);
        ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
        pump(client, server, fromClient);
        pump(server, client, null);
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
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException connectionEnded) {
        // either side hung up
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
    closed = true;
    listener.close();
    sockets.forEach(Wiretap::closeQuietly);
  }
}
