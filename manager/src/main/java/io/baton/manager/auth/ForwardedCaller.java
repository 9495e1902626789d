package io.baton.manager.auth;

import io.baton.ca.NodeIdentity;
import io.baton.ca.Role;
import io.grpc.Metadata;
import java.util.Optional;

/**
 * The caller of a call a follower forwards to the leader, carried in request headers.
 *
 * <p>Security: the headers are only believed when the connection they arrive on is authenticated
 * as a manager of this cluster (checked by {@link AuthorizationInterceptor}); from anyone else
 * they make the call fail. The leader then checks the forwarded node against its own store
 * (membership, stored role, denylist), exactly as for a direct caller, so a follower cannot raise
 * a caller's rights and a removed or demoted node is refused at the leader too.
 */
public final class ForwardedCaller {
  static final Metadata.Key<String> NODE = key("baton-forwarded-node");
  static final Metadata.Key<String> OU = key("baton-forwarded-ou");
  static final Metadata.Key<String> CLUSTER = key("baton-forwarded-cluster");
  static final Metadata.Key<String> ADDRESS = key("baton-forwarded-addr");

  private ForwardedCaller() {}

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  /** The headers that carry {@code caller} to the leader. */
  public static Metadata headers(Caller caller) {
    Metadata m = new Metadata();
    switch (caller) {
      case Caller.Anonymous a -> m.put(ADDRESS, a.remoteAddress());
      case Caller.Node n -> {
        m.put(ADDRESS, n.remoteAddress());
        m.put(NODE, n.nodeIdentity().nodeId());
        m.put(OU, n.nodeIdentity().role().ou());
        m.put(CLUSTER, n.nodeIdentity().clusterId());
      }
    }
    return m;
  }

  /** Whether a call carries a forwarded identity. */
  public static boolean present(Metadata headers) {
    return headers.containsKey(ADDRESS) || headers.containsKey(NODE);
  }

  /**
   * The forwarded node identity, empty for a forwarded anonymous caller.
   *
   * @throws IllegalArgumentException if the headers are incomplete or name no known role
   */
  static Optional<NodeIdentity> identity(Metadata headers) {
    String node = headers.get(NODE);
    if (node == null) {
      return Optional.empty();
    }
    String ou = headers.get(OU);
    String cluster = headers.get(CLUSTER);
    if (ou == null || cluster == null) {
      throw new IllegalArgumentException("forwarded identity is incomplete");
    }
    Role role = Role.fromOu(ou)
        .orElseThrow(() -> new IllegalArgumentException("forwarded identity names no known role"));
    return Optional.of(new NodeIdentity(node, role, cluster));
  }

  /** The original caller's address, or {@code fallback} if the follower sent none. */
  static String address(Metadata headers, String fallback) {
    String a = headers.get(ADDRESS);
    return a == null ? fallback : a;
  }
}
