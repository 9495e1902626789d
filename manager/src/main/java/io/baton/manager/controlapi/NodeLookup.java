package io.baton.manager.controlapi;

import io.baton.api.Node;
import io.baton.manager.GrpcErrors;
import io.baton.store.ReadView;
import java.util.List;

/** Resolves what a user typed (full id, unique id prefix, or hostname) to one node, docker-style. */
final class NodeLookup {
  private NodeLookup() {}

  static Node resolve(ReadView view, String ref) {
    if (ref.isBlank()) {
      throw GrpcErrors.invalid("a node id or hostname is required");
    }
    var exact = view.node(ref);
    if (exact.isPresent()) {
      return exact.get();
    }
    List<Node> byPrefix = view.nodes().stream().filter(n -> n.getId().startsWith(ref)).toList();
    if (byPrefix.size() == 1) {
      return byPrefix.get(0);
    }
    if (byPrefix.size() > 1) {
      throw GrpcErrors.invalid("node id prefix '" + ref + "' is ambiguous; give more characters");
    }
    List<Node> byName = view.nodes().stream()
        .filter(n -> n.getDescription().getHostname().equals(ref))
        .toList();
    if (byName.size() == 1) {
      return byName.get(0);
    }
    if (byName.size() > 1) {
      throw GrpcErrors.invalid("several nodes have hostname '" + ref + "'; use the node id");
    }
    throw GrpcErrors.notFound("no such node: " + ref);
  }
}
