package io.baton.manager.constraint;

import io.baton.api.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One placement constraint: a node attribute compared with a value, written {@code key==value} or
 * {@code key!=value} (spaces around the operator are allowed), as in {@code docker service create
 * --constraint}.
 *
 * <p>Keys: {@code node.id}, {@code node.hostname}, {@code node.role} (value {@code manager} or
 * {@code worker}), {@code node.labels.<label>}, {@code node.platform.os}, {@code
 * node.platform.arch}. Keys and values compare exactly (case-sensitive).
 *
 * <p>Security: {@code node.labels.*} are set only by managers, never reported by the node itself,
 * and together with {@code node.id} and {@code node.role} are the only attributes fit for security
 * zones (e.g. {@code node.labels.zone==pci}). {@code node.hostname} and {@code node.platform.*} are
 * self-reported by the node and a compromised node can forge them: use them for convenience, never
 * to keep a workload or a secret away from a node. See {@link NodeAttribute} and {@link
 * #isTrustworthy()}.
 *
 * @param key the attribute key, e.g. {@code node.labels.zone}
 * @param op the comparison
 * @param value the value compared with; never empty
 */
public record Constraint(String key, Operator op, String value) {

  /** The accepted forms, appended to every parse error. */
  static final String ACCEPTED_FORMS =
      "expected KEY==VALUE or KEY!=VALUE with KEY one of " + NodeAttribute.ACCEPTED_KEYS;

  /** Longest value accepted: the control API's limit on label values. */
  private static final int MAX_VALUE_LENGTH = 256;

  /** A comparison between a node's attribute and a constraint's value. */
  public enum Operator {
    EQ("=="),
    NEQ("!=");

    private final String symbol;

    Operator(String symbol) {
      this.symbol = symbol;
    }

    /** How the operator is written: {@code ==} or {@code !=}. */
    public String symbol() {
      return symbol;
    }
  }

  /** @throws IllegalArgumentException if the key or value would not parse */
  public Constraint {
    Objects.requireNonNull(op, "op");
    String problem = problemWith(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /**
   * Parses one expression.
   *
   * @throws InvalidConstraintException naming the problem and the accepted forms
   */
  public static Constraint parse(String expr) throws InvalidConstraintException {
    String text = expr == null ? "" : expr.strip();
    int eq = text.indexOf("==");
    int neq = text.indexOf("!=");
    if (eq < 0 && neq < 0) {
      throw invalid(text, missingOperator(text));
    }
    Operator op = neq >= 0 && (eq < 0 || neq < eq) ? Operator.NEQ : Operator.EQ;
    int at = op == Operator.NEQ ? neq : eq;
    String key = text.substring(0, at).strip();
    String value = text.substring(at + 2).strip();
    if (key.isEmpty()) {
      throw invalid(text, "missing key before '" + op.symbol + "'");
    }
    if (value.isEmpty()) {
      throw invalid(text, "missing value after '" + op.symbol + "'");
    }
    String problem = problemWith(key, value);
    if (problem != null) {
      throw invalid(text, problem);
    }
    return new Constraint(key, op, value);
  }

  /**
   * Parses every expression, in order.
   *
   * @throws InvalidConstraintException for the first expression that does not parse
   */
  public static List<Constraint> parseAll(List<String> exprs) throws InvalidConstraintException {
    List<Constraint> out = new ArrayList<>(exprs.size());
    for (String expr : exprs) {
      out.add(parse(expr));
    }
    return List.copyOf(out);
  }

  /** The attribute this constraint reads. */
  public NodeAttribute attribute() {
    try {
      return NodeAttribute.parse(key);
    } catch (InvalidConstraintException e) {
      throw new AssertionError("validated in the constructor", e);
    }
  }

  /**
   * True if the constraint reads only attributes that managers or the CA set (id, role, labels),
   * so it can separate security zones; false for self-reported hostname and platform.
   */
  public boolean isTrustworthy() {
    return !attribute().selfReported();
  }

  /**
   * Whether the node satisfies this constraint. A node without the attribute (a missing label, an
   * unreported hostname, an unspecified role) never equals and always differs. {@code node.role}
   * reads the role the node's certificates are issued with ({@code Node.role}), not the desired
   * role of its spec.
   */
  public boolean matches(Node node) {
    boolean equal = value.equals(actual(node));
    return op == Operator.EQ ? equal : !equal;
  }

  private String actual(Node node) {
    if (key.startsWith(NodeAttribute.LABEL_PREFIX)) {
      return node.getSpec().getLabelsMap().get(key.substring(NodeAttribute.LABEL_PREFIX.length()));
    }
    return NodeAttribute.Builtin.byKey(key).read(node);
  }

  /** The constraint as it parses back: {@code key==value} or {@code key!=value}. */
  @Override
  public String toString() {
    return key + op.symbol + value;
  }

  private static String problemWith(String key, String value) {
    String keyProblem = NodeAttribute.problemWith(key);
    if (keyProblem != null) {
      return keyProblem;
    }
    if (value.isEmpty()) {
      return "missing value";
    }
    if (value.startsWith("=")) {
      return "unexpected '=' after the operator";
    }
    if (value.contains("==") || value.contains("!=")) {
      return "more than one operator";
    }
    if (!value.equals(value.strip())) {
      return "value '" + value + "' has leading or trailing spaces";
    }
    if (value.length() > MAX_VALUE_LENGTH || value.chars().anyMatch(Character::isISOControl)) {
      return "value must be at most " + MAX_VALUE_LENGTH + " printable characters";
    }
    if (key.equals(NodeAttribute.Builtin.ROLE.key()) && !value.equals("manager") && !value.equals("worker")) {
      return "invalid role '" + value + "': node.role is manager or worker";
    }
    return null;
  }

  private static String missingOperator(String text) {
    if (text.isEmpty()) {
      return "empty expression";
    }
    if (text.indexOf('<') >= 0 || text.indexOf('>') >= 0) {
      return "unsupported operator: only '==' and '!=' are supported";
    }
    if (text.indexOf('=') >= 0) {
      return "'=' is not an operator: use '==' or '!='";
    }
    return "missing operator '==' or '!='";
  }

  private static InvalidConstraintException invalid(String text, String problem) {
    return new InvalidConstraintException(
        "invalid placement constraint '" + text + "': " + problem + "; " + ACCEPTED_FORMS);
  }
}
