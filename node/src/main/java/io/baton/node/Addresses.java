package io.baton.node;

import java.net.InetSocketAddress;

/** Parsing of {@code HOST:PORT} flags. */
final class Addresses {
  /** The port baton listens on when a flag gives only a host. */
  static final int DEFAULT_PORT = 4242;

  private Addresses() {}

  static InetSocketAddress parse(String flag, String value) throws NodeException {
    String host = value;
    int port = DEFAULT_PORT;
    int colon = value.lastIndexOf(':');
    if (colon >= 0) {
      host = value.substring(0, colon);
      try {
        port = Integer.parseInt(value.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty() || port < 0 || port > 65535) {
      throw new NodeException("invalid " + flag + " '" + value + "': expected HOST:PORT");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  static String format(InetSocketAddress address) {
    String host = address.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  static InetSocketAddress resolved(InetSocketAddress address) {
    return new InetSocketAddress(address.getHostString(), address.getPort());
  }
}
