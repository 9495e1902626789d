package io.baton.manager.raftproxy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/**
 * Relays one call, of any of the four kinds, between the caller and the leader: request messages
 * go out as they arrive, responses come back as the leader sends them, and the leader's status
 * ends the caller's call. Flow control is one message at a time in each direction, so a slow
 * side holds the other back instead of filling memory.
 *
 * <p>{@link ServerCall} is not thread-safe, and the two directions are driven by different
 * threads, so every use of it is synchronized on this object.
 */
final class ForwardingCall<Q, R> extends ServerCall.Listener<Q> {
  private final ServerCall<Q, R> inbound;
  private final ClientCall<Q, R> outbound;
  private boolean headersSent;

  private ForwardingCall(ServerCall<Q, R> inbound, ClientCall<Q, R> outbound) {
    this.inbound = inbound;
    this.outbound = outbound;
  }

  /** Starts relaying {@code call} over {@code leader} with {@code headers}. */
  static <Q, R> ServerCall.Listener<Q> start(
      ServerCall<Q, R> call, Channel leader, Metadata headers, CallOptions options) {
    ForwardingCall<Q, R> relay =
        new ForwardingCall<>(call, leader.newCall(call.getMethodDescriptor(), options));
    relay.outbound.start(relay.new Responses(), headers);
    relay.outbound.request(1);
    synchronized (relay) {
      call.request(1);
    }
    return relay;
  }

  @Override
  public void onMessage(Q message) {
    outbound.sendMessage(message);
    synchronized (this) {
      inbound.request(1);
    }
  }

  @Override
  public void onHalfClose() {
    outbound.halfClose();
  }

  @Override
  public void onCancel() {
    outbound.cancel("the caller cancelled the call", null);
  }

  /** The caller gets (empty) headers before the first response; the leader's are not relayed. */
  private void sendHeadersOnce() {
    if (!headersSent) {
      headersSent = true;
      inbound.sendHeaders(new Metadata());
    }
  }

  /** What the leader sends back. */
  private final class Responses extends ClientCall.Listener<R> {
    @Override
    public void onHeaders(Metadata headers) {
      synchronized (ForwardingCall.this) {
        sendHeadersOnce();
      }
    }

    @Override
    public void onMessage(R message) {
      synchronized (ForwardingCall.this) {
        sendHeadersOnce();
        inbound.sendMessage(message);
      }
      outbound.request(1);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      synchronized (ForwardingCall.this) {
        if (!inbound.isCancelled()) {
          inbound.close(relayed(status), trailers);
        }
      }
    }
  }

  /** A transport failure towards the leader reads as the leader being unavailable. */
  private static Status relayed(Status status) {
    if (status.getCode() == Status.Code.UNAVAILABLE && status.getDescription() == null) {
      return Status.UNAVAILABLE.withDescription(
          "the Raft leader could not be reached; retry in a moment");
    }
    return status;
  }
}
