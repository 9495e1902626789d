package io.baton.manager.constraint;

import io.baton.api.Node;
import java.util.regex.Pattern;

/**
 * A node attribute that placement constraints and spread preferences can name.
 *
 * <p>Trust: {@code node.id} is chosen by the CA, {@code node.role} is the role the node's
 * certificates are issued with, and {@code node.labels.*} are set only by managers through the
 * control API (a node never reports its own labels). These are safe to build security zones on.
 * {@code node.hostname}, {@code node.platform.os} and {@code node.platform.arch} come from the
 * node's self-reported description: a compromised node can claim any value, so they are fit for
 * convenience placement only, never for keeping a workload or secret away from a node (see
 * {@link #selfReported()}).
 */
public sealed interface NodeAttribute permits NodeAttribute.Builtin, NodeAttribute.Label {

  /** Prefix of the keys that name a manager-set node label. */
  String LABEL_PREFIX = "node.labels.";

  /** The accepted keys, for error messages. */
  String ACCEPTED_KEYS = "node.id, node.hostname, node.role (manager|worker), node.labels.<label>, "
      + "node.platform.os or node.platform.arch";

  /** The key as written in a constraint, e.g. {@code node.labels.zone}. */
  String key();

  /**
   * This attribute's value on the node, or null if the node has none (a missing label, an
   * unspecified role, a description the node has not reported).
   */
  String read(Node node);

  /** True if the node reports the value about itself, so it must not be trusted for security. */
  boolean selfReported();

  /**
   * The attribute a key names.
   *
   * @throws InvalidConstraintException for an unknown key or a label name with invalid characters
   */
  static NodeAttribute parse(String key) throws InvalidConstraintException {
    String problem = problemWith(key);
    if (problem != null) {
      throw new InvalidConstraintException(
          "invalid node attribute '" + key + "': " + problem + "; use " + ACCEPTED_KEYS);
    }
    return of(key);
  }

  /** What is wrong with a key, or null if it names an attribute. */
  static String problemWith(String key) {
    if (key.startsWith(LABEL_PREFIX)) {
      return Label.problemWith(key.substring(LABEL_PREFIX.length()));
    }
    return Builtin.byKey(key) == null ? "unknown key '" + key + "'" : null;
  }

  /** The attribute of a key already known to be valid. */
  private static NodeAttribute of(String key) {
    if (key.startsWith(LABEL_PREFIX)) {
      return new Label(key.substring(LABEL_PREFIX.length()));
    }
    return Builtin.byKey(key);
  }

  /** Attributes every node has a fixed place for. */
  enum Builtin implements NodeAttribute {
    ID("node.id", false),
    HOSTNAME("node.hostname", true),
    ROLE("node.role", false),
    OS("node.platform.os", true),
    ARCH("node.platform.arch", true);

    private final String key;
    private final boolean selfReported;

    Builtin(String key, boolean selfReported) {
      this.key = key;
      this.selfReported = selfReported;
    }

    static Builtin byKey(String key) {
      for (Builtin b : values()) {
        if (b.key.equals(key)) {
          return b;
        }
      }
      return null;
    }

    @Override
    public String key() {
      return key;
    }

    @Override
    public boolean selfReported() {
      return selfReported;
    }

    @Override
    public String read(Node node) {
      String value = switch (this) {
        case ID -> node.getId();
        case HOSTNAME -> node.getDescription().getHostname();
        case ROLE -> switch (node.getRole()) {
          case NODE_ROLE_MANAGER -> "manager";
          case NODE_ROLE_WORKER -> "worker";
          default -> null;
        };
        case OS -> node.getDescription().getOs();
        case ARCH -> node.getDescription().getArch();
      };
      return value == null || value.isEmpty() ? null : value;
    }
  }

  /**
   * A label set by managers on the node's spec ({@code node update --label-add}); never
   * self-reported. Names follow the control API's label-key rule.
   */
  record Label(String name) implements NodeAttribute {
    private static final Pattern NAME =
        Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?");

    public Label {
      String problem = problemWith(name);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
    }

    /** The one rule for label keys: the control API checks labels with it, constraints read them. */
    public static boolean isValidName(String name) {
      return NAME.matcher(name).matches();
    }

    static String problemWith(String name) {
      if (name.isEmpty()) {
        return "missing label name after '" + LABEL_PREFIX + "'";
      }
      if (!isValidName(name)) {
        return "invalid label name '" + name + "' (letters, digits, '.', '_', '-', '/', at most 128 "
            + "characters, starting and ending with a letter or digit)";
      }
      return null;
    }

    @Override
    public String key() {
      return LABEL_PREFIX + name;
    }

    @Override
    public boolean selfReported() {
      return false;
    }

    @Override
    public String read(Node node) {
      return node.getSpec().getLabelsMap().get(name);
    }
  }
}
