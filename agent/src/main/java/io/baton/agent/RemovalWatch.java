package io.baton.agent;

import io.baton.ca.NodeRemoval;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Notices that this node was removed from the cluster, from whichever call hears it first: a
 * session message saying so, or any call to a manager ending with the {@link NodeRemoval} refusal
 * naming this node. Then runs the node's removal handler, once, on a thread of its own (the
 * handler stops the very components whose threads report it).
 *
 * <p>Security: a refusal naming another node (a call relayed by a manager that was itself
 * removed) is ignored. Only managers of this cluster can send the refusal, since channels verify
 * the server's manager certificate.
 */
public final class RemovalWatch implements ClientInterceptor {
  private final Supplier<String> selfId;
  private final Runnable onRemoved;
  private final AtomicBoolean fired = new AtomicBoolean();

  /**
   * @param selfId this node's id
   * @param onRemoved stops the node and deletes its credentials; runs at most once
   */
  public RemovalWatch(Supplier<String> selfId, Runnable onRemoved) {
    this.selfId = selfId;
    this.onRemoved = onRemoved;
  }

  /** True once the removal was noticed. */
  public boolean removed() {
    return fired.get();
  }

  /** Reports that the cluster said this node was removed. */
  public void noticeRemoval() {
    if (fired.compareAndSet(false, true)) {
      Thread.ofPlatform().name("baton-node-removed").start(onRemoved);
    }
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            if (NodeRemoval.removedNode(status, trailers).filter(selfId.get()::equals).isPresent()) {
              noticeRemoval();
            }
            super.onClose(status, trailers);
          }
        }, headers);
      }
    };
  }
}
