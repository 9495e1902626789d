package io.baton.ca;

import io.baton.api.NodeRole;
import java.util.Optional;

/**
 * A node's role as written in the OU of its certificate. The role in a verified certificate is the
 * only source of authorization; it is assigned by the CA, never taken from a CSR.
 */
public enum Role {
  WORKER("baton-worker"),
  MANAGER("baton-manager");

  /**
   * DNS SAN carried only by manager certificates. Clients dial managers with this authority (see
   * {@link TlsContexts} for how the server's role is actually enforced).
   */
  public static final String MANAGER_SAN = "baton-manager";

  private final String ou;

  Role(String ou) {
    this.ou = ou;
  }

  /** The OU string of this role. */
  public String ou() {
    return ou;
  }

  /** The role whose OU is exactly {@code ou}, if any. */
  public static Optional<Role> fromOu(String ou) {
    for (Role role : values()) {
      if (role.ou.equals(ou)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }

  /** The wire value of this role. */
  public NodeRole toProto() {
    return switch (this) {
      case WORKER -> NodeRole.NODE_ROLE_WORKER;
      case MANAGER -> NodeRole.NODE_ROLE_MANAGER;
    };
  }

  /**
   * The role of a wire value.
   *
   * @throws IllegalArgumentException for {@code NODE_ROLE_UNSPECIFIED}, unknown values or null
   */
  public static Role fromProto(NodeRole role) {
    if (role == null) {
      throw new IllegalArgumentException("node role is missing");
    }
    return switch (role) {
      case NODE_ROLE_WORKER -> WORKER;
      case NODE_ROLE_MANAGER -> MANAGER;
      default -> throw new IllegalArgumentException("node role is not set: " + role);
    };
  }
}
