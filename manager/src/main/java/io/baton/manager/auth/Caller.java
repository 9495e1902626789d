package io.baton.manager.auth;

import io.baton.api.Principal;
import io.baton.ca.NodeIdentity;
import io.grpc.Context;
import java.util.Optional;

/**
 * Who is making the current RPC, as established by {@link AuthorizationInterceptor} from the verified
 * peer certificate (or the node's own identity on the local control socket) and the store.
 *
 * <p>Handlers read it with {@link #current()}; they never look at transport attributes themselves.
 */
public sealed interface Caller {

  /** The principal the call was authorized as. */
  Principal principal();

  /** The node identity of the caller, empty for anonymous callers. */
  Optional<NodeIdentity> identity();

  /** A caller without a client certificate (only bootstrap RPCs admit it). */
  record Anonymous(String remoteAddress) implements Caller {
    @Override
    public Principal principal() {
      return Principal.PRINCIPAL_ANONYMOUS;
    }

    @Override
    public Optional<NodeIdentity> identity() {
      return Optional.empty();
    }
  }

  /**
   * A node of this cluster. {@code principal} is the lesser of the certificate's role and the node's
   * role in the store, so a demoted manager's old certificate acts as a worker at once.
   */
  record Node(NodeIdentity nodeIdentity, Principal principal, String remoteAddress) implements Caller {
    @Override
    public Optional<NodeIdentity> identity() {
      return Optional.of(nodeIdentity);
    }

    public String nodeId() {
      return nodeIdentity.nodeId();
    }
  }

  Context.Key<Caller> CONTEXT_KEY = Context.key("baton-caller");

  /**
   * The caller of the RPC running on this thread.
   *
   * @throws IllegalStateException if called outside an RPC that passed the interceptor
   */
  static Caller current() {
    Caller caller = CONTEXT_KEY.get();
    if (caller == null) {
      throw new IllegalStateException("no authorized caller in this context");
    }
    return caller;
  }
}
