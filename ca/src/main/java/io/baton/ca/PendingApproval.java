package io.baton.ca;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;

/**
 * How a manager tells a node that joined under join approval that it must wait for {@code baton
 * node accept}, and how the node recognises it: status {@code PERMISSION_DENIED} with a trailer
 * naming the pending node id.
 *
 * <p>The trailer names the node, like {@link NodeRemoval}, so that a call relayed for another
 * node is not mistaken for one's own. All it can make a node do is keep waiting and retrying,
 * which a manager could cause anyway by refusing it work.
 */
public final class PendingApproval {
  /** The trailer that carries the pending node's id. */
  public static final Metadata.Key<String> TRAILER =
      Metadata.Key.of("baton-pending-node", Metadata.ASCII_STRING_MARSHALLER);

  private PendingApproval() {}

  /** The refusal every call of a pending node ends with, except the few it may make while it waits. */
  public static StatusRuntimeException refusal(String nodeId) {
    Metadata trailers = new Metadata();
    trailers.put(TRAILER, nodeId);
    return Status.PERMISSION_DENIED
        .withDescription("node " + nodeId + " is waiting for approval: a manager must run 'baton node accept "
            + nodeId + "'")
        .asRuntimeException(trailers);
  }

  /** The node a call's end says is waiting for approval, if it says so. */
  public static Optional<String> pendingNode(Status status, Metadata trailers) {
    if (status.getCode() != Status.Code.PERMISSION_DENIED || trailers == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(trailers.get(TRAILER));
  }
}
