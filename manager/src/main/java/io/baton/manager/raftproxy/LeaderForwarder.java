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
  private static final long POLL_MS = 20;

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
    Optional<String> leader = awaitLeaderAddress();
    if (store.isLeader()) {
      return next.startCall(call, headers);
    }
    if (leader.isEmpty()) {
      return refuse(call, "no Raft leader was elected within " + electionWait.toMillis()
          + " ms: the managers may have lost their quorum; retry later");
    }
    CallOptions options = CallOptions.DEFAULT;
    Duration connectWait = electionWait;
    Deadline deadline = Context.current().getDeadline();
    if (deadline != null) {
      options = options.withDeadline(deadline);
      connectWait = Duration.ofNanos(Math.min(connectWait.toNanos(), deadline.timeRemaining(TimeUnit.NANOSECONDS)));
    }
    ManagedChannel channel = channels.apply(leader.get());
    if (!LeaderConnection.awaitReady(channel, connectWait)) {
      return refuse(call, "the Raft leader at " + leader.get() + " cannot be reached from this manager within "
          + connectWait.toMillis() + " ms; retry the call, or call the leader directly");
    }
    return ForwardingCall.start(call, channel, ForwardedCaller.headers(Caller.current()), options);
  }

  /** The leader's manager API address, waiting up to {@link #electionWait} for one. */
  private Optional<String> awaitLeaderAddress() {
    long deadline = System.nanoTime() + electionWait.toNanos();
    while (true) {
      Optional<String> leader = store.membership().leaderId();
      if (leader.isPresent() && leader.get().equals(selfId) && store.isLeader()) {
        return Optional.empty();
      }
      Optional<String> address = leader.filter(id -> !id.equals(selfId))
          .flatMap(id -> store.view().node(id))
          .map(Node::getManagerAddr)
          .filter(a -> !a.isEmpty());
      if (address.isPresent() || System.nanoTime() >= deadline) {
        return address;
      }
      try {
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String why) {
    call.close(Status.UNAVAILABLE.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
