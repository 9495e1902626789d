package io.baton.manager.raftproxy;

import io.baton.api.AuthzRule;
import io.baton.api.Node;
import io.baton.api.Routing;
import io.baton.manager.auth.AuthorizationInterceptor;
import io.baton.manager.auth.Caller;
import io.baton.manager.auth.ForwardedCaller;
import io.baton.store.ClusterStore;
import io.baton.store.StoreException;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * Sends calls this manager must not answer itself to the Raft leader. Runs after
 * {@link AuthorizationInterceptor}, so only calls the caller may make are forwarded, with the
 * caller's verified identity ({@link ForwardedCaller}); the leader checks it again.
 *
 * <p>A method answers locally when it is declared {@code ROUTING_LOCAL} or this manager leads; one
 * declared {@code ROUTING_LOCAL_CURRENT} answers locally once this replica has caught up with the
 * leader's commit index ({@link ClusterStore#awaitCaughtUp}).
 * While no leader is known (an election is under way), a call waits up to {@code electionWait} for
 * one and then fails with {@code UNAVAILABLE}; it never hangs. A call is forwarded at most once:
 * a forwarded call reaching a manager that no longer leads fails rather than bouncing on. Before a
 * call is relayed, the channel to the leader must hold a connection ({@link LeaderConnection}), so a
 * leader that was down a moment ago is dialled again instead of the call failing on a stale backoff.
 */
public final class LeaderForwarder implements ServerInterceptor {
  private static final Duration POLL = Duration.ofMillis(20);
  /** How long one attempt to connect to the leader may take before the leader is looked up again. */
  private static final Duration CONNECT_SLICE = Duration.ofMillis(250);

  private final ClusterStore store;
  private final String selfId;
  private final Function<String, ManagedChannel> channels;
  private final Duration electionWait;

  /**
   * @param channels an mTLS channel to a manager API address, as a node dials it
   * @param electionWait how long a call waits for a leader to be elected
   */
  public LeaderForwarder(
      ClusterStore store, String selfId, Function<String, ManagedChannel> channels, Duration electionWait) {
    this.store = store;
    this.selfId = selfId;
    this.channels = channels;
    this.electionWait = electionWait;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Routing routing = AuthorizationInterceptor.ruleOf(call.getMethodDescriptor())
        .map(AuthzRule::getRouting)
        .orElse(Routing.ROUTING_LEADER);
    if (routing == Routing.ROUTING_LOCAL || store.isLeader()) {
      return next.startCall(call, headers);
    }
    if (routing == Routing.ROUTING_LOCAL_CURRENT) {
      try {
        store.awaitCaughtUp(electionWait);
      } catch (StoreException e) {
        return refuse(call, e.getMessage());
      }
      return next.startCall(call, headers);
    }
    if (ForwardedCaller.present(headers)) {
      return refuse(call, "this manager is no longer the Raft leader; retry the call");
    }
    CallOptions options = CallOptions.DEFAULT;
    Duration wait = electionWait;
    Deadline deadline = Context.current().getDeadline();
    if (deadline != null) {
      options = options.withDeadline(deadline);
      wait = Duration.ofNanos(Math.min(wait.toNanos(), deadline.timeRemaining(TimeUnit.NANOSECONDS)));
    }
    return switch (route(wait)) {
      case Route.Local local -> next.startCall(call, headers);
      case Route.Refused refused -> refuse(call, refused.why());
      case Route.Relay relay ->
          ForwardingCall.start(call, relay.channel(), ForwardedCaller.headers(Caller.current()), options);
    };
  }

  /** Where a call that needs the leader goes. */
  private sealed interface Route {
    /** This manager leads now. */
    record Local() implements Route {}

    /** To the leader over a connected channel. */
    record Relay(ManagedChannel channel) implements Route {}

    record Refused(String why) implements Route {}
  }

  /**
   * Finds the leader and a connected channel to it within {@code wait}. The leader is looked up
   * again after each {@link #CONNECT_SLICE}: right after a leader died, this replica may still name
   * it for an election's time, and a call must move on to the new leader rather than wait for the
   * dead one.
   */
  private Route route(Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    String unreachable = null;
    while (!Thread.currentThread().isInterrupted()) {
      if (store.isLeader()) {
        return new Route.Local();
      }
      Optional<String> address = leaderAddress();
      long left = deadline - System.nanoTime();
      if (address.isPresent()) {
        ManagedChannel channel = channels.apply(address.get());
        if (LeaderConnection.awaitReady(channel, Duration.ofNanos(Math.min(left, CONNECT_SLICE.toNanos())))) {
          return new Route.Relay(channel);
        }
        unreachable = address.get();
      } else if (left > 0) {
        LockSupport.parkNanos(Math.min(left, POLL.toNanos()));
      }
      if (System.nanoTime() >= deadline) {
        return new Route.Refused(unreachable == null
            ? "no Raft leader was elected within " + wait.toMillis()
                + " ms: the managers may have lost their quorum; retry later"
            : "the Raft leader at " + unreachable + " could not be reached from this manager within "
                + wait.toMillis() + " ms; retry the call");
      }
    }
    return new Route.Refused("this manager is shutting down; retry the call on another manager");
  }

  /** The manager API address of the leader this replica knows of, unless it is this manager. */
  private Optional<String> leaderAddress() {
    return store.membership().leaderId()
        .filter(id -> !id.equals(selfId))
        .flatMap(id -> store.view().node(id))
        .map(Node::getManagerAddr)
        .filter(a -> !a.isEmpty());
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String why) {
    call.close(Status.UNAVAILABLE.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
