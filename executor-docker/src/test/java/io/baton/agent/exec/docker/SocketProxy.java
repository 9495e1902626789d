package io.baton.agent.exec.docker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A unix socket in front of the real dockerd, owned by one test: it forwards every byte both ways,
 * keeps what clients sent (to see the requests dockerd got), and can play a dockerd restart from
 * the client's side ({@link #outage}: every connection cut, the socket gone, until {@link #resume}).
 * The machine's dockerd itself is never touched.
 */
final class SocketProxy implements AutoCloseable {
  private final Path socket;
  private final UnixDomainSocketAddress upstream;
  private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
  private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
  private volatile ServerSocketChannel server;

  SocketProxy(Path socket, Path upstream) throws IOException {
    this.socket = socket;
    this.upstream = UnixDomainSocketAddress.of(upstream);
    resume();
  }

  /** The proxy's address, for {@link DockerExecutorConfig#withDockerHost}. */
  URI uri() {
    return URI.create("unix://" + socket.toAbsolutePath());
  }

  /** Everything clients sent so far, as text. */
  String sent() {
    synchronized (sent) {
      return sent.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** Cuts every connection and removes the socket, as a stopped dockerd would. */
  synchronized void outage() throws IOException {
    server.close();
    Files.deleteIfExists(socket);
    for (SocketChannel channel : open) {
      channel.close();
    }
    open.clear();
  }

  /** Listens again (dockerd is back). */
  synchronized void resume() throws IOException {
    ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    listening.bind(UnixDomainSocketAddress.of(socket));
    server = listening;
    Thread.ofVirtual().name("test-proxy-accept").start(() -> accept(listening));
  }

  private void accept(ServerSocketChannel listening) {
    while (listening.isOpen()) {
      try {
        SocketChannel client = listening.accept();
        SocketChannel daemon = SocketChannel.open(upstream);
        open.add(client);
        open.add(daemon);
        Thread.ofVirtual().start(() -> pump(client, daemon, true));
        Thread.ofVirtual().start(() -> pump(daemon, client, false));
      } catch (IOException e) {
        return; // closed by outage() or close()
      }
    }
  }

  private void pump(SocketChannel from, SocketChannel to, boolean record) {
    ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    try {
      while (from.read(buffer) >= 0) {
        buffer.flip();
        if (record) {
          synchronized (sent) {
            sent.write(buffer.array(), 0, buffer.limit());
          }
        }
        while (buffer.hasRemaining()) {
          to.write(buffer);
        }
        buffer.clear();
      }
    } catch (IOException e) {
      // one side went away: close both
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    outage();
  }
}
