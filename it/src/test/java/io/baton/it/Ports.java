package io.baton.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for nodes under test. */
final class Ports {
  private Ports() {}

  /** A port that was free a moment ago, whose successor is free too (listen port + Raft port). */
  static int freePair() {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int port = a.getLocalPort();
        if (port < 65535) {
          try (ServerSocket b = new ServerSocket(port + 1, 1, InetAddress.getLoopbackAddress())) {
            return port;
          } catch (IOException busy) {
            // try another pair
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no free port pair on loopback");
  }
}
