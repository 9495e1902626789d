package io.baton.ca;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;

/**
 * How a manager tells a node that it was removed from the cluster, and how the node recognises
 * it: status {@code PERMISSION_DENIED} with a trailer naming the removed node id.
 *
 * <p>The trailer names the node so that a call relayed by a manager that was itself removed is
 * not mistaken by the original caller for its own removal. Only a manager of this cluster can
 * send it (the node verifies the server's manager certificate), and all it can make a node do is
 * stop and wipe its own credentials, which such a manager could cause anyway by refusing it work.
 */
public final class NodeRemoval {
  /** The trailer that carries the removed node's id. */
  public static final Metadata.Key<String> TRAILER =
      Metadata.Key.of("baton-removed-node", Metadata.ASCII_STRING_MARSHALLER);

  private NodeRemoval() {}

  /** The refusal a removed node's calls end with. */
  public static StatusRuntimeException refusal(String nodeId) {
    Metadata trailers = new Metadata();
    trailers.put(TRAILER, nodeId);
    return Status.PERMISSION_DENIED
        .withDescription("node " + nodeId + " was removed from the cluster; it needs a new join token to rejoin")
        .asRuntimeException(trailers);
  }

  /** The node a call's end says was removed, if it says so. */
  public static Optional<String> removedNode(Status status, Metadata trailers) {
    if (status.getCode() != Status.Code.PERMISSION_DENIED || trailers == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(trailers.get(TRAILER));
  }
}
