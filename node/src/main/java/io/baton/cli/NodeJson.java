package io.baton.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.baton.api.Availability;
import io.baton.api.ManagerStatus;
import io.baton.api.Node;
import io.baton.api.NodeInfo;
import io.baton.api.NodeMembership;
import io.baton.api.NodeRole;
import io.baton.api.NodeState;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The JSON shape of a node for {@code --format json} (DESIGN §6): camelCase fields, enums as the
 * lowercase words the CLI shows, times in RFC 3339. Written with Jackson's streaming generator, which
 * keeps the CLI's start-up light.
 */
final class NodeJson {
  private NodeJson() {}

  static String array(List<NodeInfo> nodes) {
    return Json.write(g -> {
      g.writeStartArray();
      for (NodeInfo node : nodes) {
        object(g, node);
      }
      g.writeEndArray();
    });
  }

  static String object(NodeInfo node) {
    return Json.write(g -> object(g, node));
  }

  static String role(NodeRole role) {
    return role == NodeRole.NODE_ROLE_MANAGER ? "manager" : "worker";
  }

  /**
   * The role shown for a node: for one awaiting join approval, the role it joined with and gets
   * when accepted (until then it acts as neither), so the operator sees what accepting grants.
   */
  static String role(Node node) {
    return role(pending(node) ? node.getSpec().getDesiredRole() : node.getRole());
  }

  static boolean pending(Node node) {
    return node.getSpec().getMembership() == NodeMembership.NODE_MEMBERSHIP_PENDING;
  }

  static String status(NodeState state) {
    return switch (state) {
      case NODE_STATE_READY -> "ready";
      case NODE_STATE_DOWN -> "down";
      case NODE_STATE_PENDING -> "pending";
      default -> "unknown";
    };
  }

  static String availability(Availability availability) {
    return switch (availability) {
      case AVAILABILITY_PAUSE -> "pause";
      case AVAILABILITY_DRAIN -> "drain";
      default -> "active";
    };
  }

  /** leader, reachable, unreachable, or null for workers. */
  static String managerStatus(ManagerStatus status) {
    return switch (status) {
      case MANAGER_STATUS_LEADER -> "leader";
      case MANAGER_STATUS_REACHABLE -> "reachable";
      case MANAGER_STATUS_UNREACHABLE -> "unreachable";
      default -> null;
    };
  }

  static String certificateExpiry(Node node) {
    long ms = node.getCertificate().getNotAfterMs();
    return ms == 0 ? null : Instant.ofEpochMilli(ms).toString();
  }

  private static void object(JsonGenerator g, NodeInfo info) throws IOException {
    Node node = info.getNode();
    g.writeStartObject();
    g.writeStringField("id", node.getId());
    g.writeStringField("hostname", node.getDescription().getHostname());
    g.writeStringField("role", role(node));
    g.writeStringField("status", status(node.getStatus().getState()));
    g.writeStringField("membership", pending(node) ? "pending" : "accepted");
    g.writeStringField("statusMessage", node.getStatus().getMessage());
    g.writeStringField("address", node.getStatus().getAddr());
    g.writeStringField("availability", availability(node.getSpec().getAvailability()));
    g.writeObjectFieldStart("labels");
    for (Map.Entry<String, String> label : new java.util.TreeMap<>(node.getSpec().getLabelsMap()).entrySet()) {
      g.writeStringField(label.getKey(), label.getValue());
    }
    g.writeEndObject();
    g.writeStringField("managerStatus", managerStatus(info.getManagerStatus()));
    g.writeStringField("managerAddress", node.getManagerAddr().isEmpty() ? null : node.getManagerAddr());
    g.writeStringField("certificateExpiry", certificateExpiry(node));
    g.writeStringField("certificateSerial", node.getCertificate().getSerial());
    g.writeBooleanField("certificateExpiring", info.getCertificateExpiring());
    g.writeStringField("createdAt", Instant.ofEpochMilli(node.getMeta().getCreatedAtMs()).toString());
    g.writeStringField("updatedAt", Instant.ofEpochMilli(node.getMeta().getUpdatedAtMs()).toString());
    g.writeStringField("os", node.getDescription().getOs());
    g.writeStringField("arch", node.getDescription().getArch());
    g.writeStringField("version", node.getDescription().getVersion());
    g.writeBooleanField("self", info.getSelf());
    g.writeEndObject();
  }
}
