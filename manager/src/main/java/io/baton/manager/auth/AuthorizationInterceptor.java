package io.baton.manager.auth;

import io.baton.api.AuthzProto;
import io.baton.api.AuthzRule;
import io.baton.api.Node;
import io.baton.api.NodeRole;
import io.baton.api.Principal;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeRemoval;
import io.baton.ca.PendingApproval;
import io.baton.ca.Role;
import io.baton.store.JoinApproval;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place every RPC is authorized. Reads the {@code (baton.v1.authz)} option of the called
 * method from its proto descriptor and refuses the call unless the caller's principal is listed;
 * a method without the option is refused (deny by default), so no handler can forget its check.
 *
 * <p>The principal comes from the verified certificate and the store: the certificate must belong
 * to this cluster, its node must exist and not be on the denylist, and a certificate whose OU claims
 * more than the node's stored role acts as the stored role. A node that awaits join approval acts
 * as {@code PRINCIPAL_PENDING} whatever its certificate says, and a method that does not list it
 * is refused with {@link PendingApproval}'s trailer, so the node knows to wait. Anonymous calls are rate limited per
 * source address.
 *
 * <p>On a TCP listener, a call a follower forwarded carries its original caller in headers
 * ({@link ForwardedCaller}); they are believed only when the connection itself is authorized as a
 * manager, and the forwarded node then goes through the same store checks as a direct caller. On
 * the local control socket such headers are refused: there the caller is always this node.
 */
public final class AuthorizationInterceptor implements ServerInterceptor {
  private static final ServerCall.Listener<?> NOOP = new ServerCall.Listener<>() {};

  private final IdentitySource identities;
  private final MembershipView membership;
  private final BootstrapRateLimiter rateLimiter;
  private final Clock clock;
  private final boolean acceptsForwarded;
  private final ConcurrentHashMap<String, Optional<AuthzRule>> rules = new ConcurrentHashMap<>();

  public AuthorizationInterceptor(
      IdentitySource identities,
      MembershipView membership,
      BootstrapRateLimiter rateLimiter,
      Clock clock) {
    this.identities = identities;
    this.membership = membership;
    this.rateLimiter = rateLimiter;
    this.clock = clock;
    this.acceptsForwarded = identities instanceof IdentitySource.TlsPeer;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    MethodDescriptor<Q, R> method = call.getMethodDescriptor();
    Optional<AuthzRule> rule = rules.computeIfAbsent(method.getFullMethodName(), n -> ruleOf(method));
    Caller caller;
    try {
      if (rule.isEmpty()) {
        throw new Refusal(Status.PERMISSION_DENIED.withDescription(
            method.getFullMethodName() + " declares no authorization rule and is refused"));
      }
      caller = authenticate(call);
      if (ForwardedCaller.present(headers)) {
        caller = forwarded(caller, headers);
      }
      authorize(caller, rule.get(), method.getFullMethodName());
    } catch (Refusal refusal) {
      call.close(refusal.status, refusal.trailers);
      @SuppressWarnings("unchecked")
      ServerCall.Listener<Q> noop = (ServerCall.Listener<Q>) NOOP;
      return noop;
    }
    Context context = Context.current().withValue(Caller.CONTEXT_KEY, caller);
    return Contexts.interceptCall(context, call, headers, next);
  }

  /** The authorization rule declared on a method, if any. */
  public static Optional<AuthzRule> ruleOf(MethodDescriptor<?, ?> method) {
    if (method.getSchemaDescriptor() instanceof ProtoMethodDescriptorSupplier supplier) {
      var options = supplier.getMethodDescriptor().getOptions();
      if (options.hasExtension(AuthzProto.authz)) {
        return Optional.of(options.getExtension(AuthzProto.authz));
      }
    }
    return Optional.empty();
  }

  private Caller authenticate(ServerCall<?, ?> call) throws Refusal {
    String remote = remoteHost(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    Optional<NodeIdentity> identity;
    try {
      identity = identities.identify(call, clock.instant());
    } catch (IdentitySource.UnauthenticatedException e) {
      throw new Refusal(Status.UNAUTHENTICATED.withDescription(e.getMessage()));
    }
    return identity.isEmpty() ? new Caller.Anonymous(remote) : member(identity.get(), remote);
  }

  /** The original caller of a call forwarded by {@code forwarder}, checked against this store. */
  private Caller forwarded(Caller forwarder, Metadata headers) throws Refusal {
    if (!acceptsForwarded || forwarder.principal() != Principal.PRINCIPAL_MANAGER) {
      throw new Refusal(Status.PERMISSION_DENIED.withDescription(
          "a forwarded caller identity is accepted only from a manager of this cluster"));
    }
    String remote = ForwardedCaller.address(headers, ((Caller.Node) forwarder).remoteAddress());
    Optional<NodeIdentity> identity;
    try {
      identity = ForwardedCaller.identity(headers);
    } catch (IllegalArgumentException e) {
      throw new Refusal(Status.PERMISSION_DENIED.withDescription(e.getMessage()));
    }
    return identity.isEmpty() ? new Caller.Anonymous(remote) : member(identity.get(), remote);
  }

  /** A node caller after the store checks: cluster, denylist, membership and stored role. */
  private Caller member(NodeIdentity id, String remote) throws Refusal {
    if (!membership.clusterId().map(id.clusterId()::equals).orElse(false)) {
      throw new Refusal(Status.PERMISSION_DENIED.withDescription(
          "certificate belongs to another cluster"));
    }
    if (membership.isDenied(id.nodeId())) {
      throw new Refusal(NodeRemoval.refusal(id.nodeId()));
    }
    Node stored = membership.node(id.nodeId()).orElseThrow(() -> new Refusal(
        Status.PERMISSION_DENIED.withDescription(
            "node " + id.nodeId() + " is not a member of this cluster")));
    if (JoinApproval.isPending(stored)) {
      return new Caller.Node(id, Principal.PRINCIPAL_PENDING, remote);
    }
    boolean manager = id.role() == Role.MANAGER && stored.getRole() == NodeRole.NODE_ROLE_MANAGER;
    return new Caller.Node(
        id, manager ? Principal.PRINCIPAL_MANAGER : Principal.PRINCIPAL_WORKER, remote);
  }

  private void authorize(Caller caller, AuthzRule rule, String method) throws Refusal {
    if (rule.getAllowList().contains(caller.principal())) {
      if (caller instanceof Caller.Anonymous anonymous && !rateLimiter.tryCall(anonymous.remoteAddress())) {
        throw new Refusal(Status.RESOURCE_EXHAUSTED.withDescription(
            "too many requests from " + anonymous.remoteAddress() + "; retry later"));
      }
      return;
    }
    if (caller instanceof Caller.Anonymous) {
      throw new Refusal(Status.UNAUTHENTICATED.withDescription(
          method + " requires a client certificate of this cluster"));
    }
    if (caller instanceof Caller.Node node && caller.principal() == Principal.PRINCIPAL_PENDING) {
      throw new Refusal(PendingApproval.refusal(node.nodeId()));
    }
    throw new Refusal(Status.PERMISSION_DENIED.withDescription(
        "permission denied: " + method + " is not allowed for a " + describe(caller.principal())));
  }

  private static String describe(Principal principal) {
    return switch (principal) {
      case PRINCIPAL_WORKER -> "worker";
      case PRINCIPAL_MANAGER -> "manager";
      default -> "caller without a certificate";
    };
  }

  private static String remoteHost(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
    }
    return String.valueOf(address);
  }

  private static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Status status;
    private final transient Metadata trailers;

    Refusal(Status status) {
      this(status, new Metadata());
    }

    /** A refusal that tells the caller more in trailers (e.g. that its node was removed). */
    Refusal(StatusRuntimeException e) {
      this(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
    }

    private Refusal(Status status, Metadata trailers) {
      super(status.getDescription(), null, false, false);
      this.status = status;
      this.trailers = trailers;
    }
  }
}
