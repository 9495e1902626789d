package io.baton.manager.constraint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.Node;
import io.baton.api.NodeDescription;
import io.baton.api.NodeRole;
import io.baton.api.NodeSpec;
import io.baton.manager.constraint.Constraint.Operator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConstraintTest {

  private static Node node(NodeRole role, Map<String, String> labels) {
    return Node.newBuilder()
        .setId("n1")
        .setRole(role)
        .setSpec(NodeSpec.newBuilder().putAllLabels(labels).setDesiredRole(NodeRole.NODE_ROLE_MANAGER))
        .setDescription(NodeDescription.newBuilder().setHostname("web-1").setOs("linux").setArch("amd64"))
        .build();
  }

  private static boolean matches(String expr, Node node) throws InvalidConstraintException {
    return Constraint.parse(expr).matches(node);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "node.labels.zone==a          | node.labels.zone   | EQ  | a",
      "node.labels.zone != a        | node.labels.zone   | NEQ | a",
      "'  node.role == manager  '   | node.role          | EQ  | manager",
      "node.role!=worker            | node.role          | NEQ | worker",
      "node.id==abc123              | node.id            | EQ  | abc123",
      "node.hostname==web-1         | node.hostname      | EQ  | web-1",
      "node.platform.os==linux      | node.platform.os   | EQ  | linux",
      "node.platform.arch!=arm64    | node.platform.arch | NEQ | arm64",
      "node.labels.team/app.v2==x y | node.labels.team/app.v2 | EQ | x y",
  })
  void parsesValidForms(String expr, String key, Operator op, String value) throws Exception {
    Constraint c = Constraint.parse(expr);
    assertThat(c).isEqualTo(new Constraint(key, op, value));
    assertThat(Constraint.parse(c.toString())).isEqualTo(c);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''                         | empty expression",
      "'   '                      | empty expression",
      "node.labels.zone=a         | '=' is not an operator: use '==' or '!='",
      "node.labels.zone<a         | only '==' and '!=' are supported",
      "node.labels.zone>=a        | only '==' and '!=' are supported",
      "node.labels.zone           | missing operator '==' or '!='",
      "==a                        | missing key before '=='",
      "' != a'                    | missing key before '!='",
      "node.id==                  | missing value after '=='",
      "'node.id !=   '            | missing value after '!='",
      "node.foo==a                | unknown key 'node.foo'",
      "engine.labels.x==a         | unknown key 'engine.labels.x'",
      "Node.ID==a                 | unknown key 'Node.ID'",
      "node.labels.==a            | missing label name after 'node.labels.'",
      "node.labels.a b==c         | invalid label name 'a b'",
      "node.labels.-zone==c       | invalid label name '-zone'",
      "node.labels.zo$ne==c       | invalid label name 'zo$ne'",
      "node.role==admin           | invalid role 'admin': node.role is manager or worker",
      "node.role==Manager         | invalid role 'Manager'",
      "node.id===a                | unexpected '=' after the operator",
      "node.id==a==b              | more than one operator",
      "node.id==a!=b              | more than one operator",
  })
  void rejectsInvalidFormsNamingTheProblemAndTheAcceptedForms(String expr, String problem) {
    assertThatThrownBy(() -> Constraint.parse(expr))
        .isInstanceOf(InvalidConstraintException.class)
        .hasMessageStartingWith("invalid placement constraint '" + expr.strip() + "': ")
        .hasMessageContaining(problem)
        .hasMessageContaining("expected KEY==VALUE or KEY!=VALUE")
        .hasMessageContaining("node.labels.<label>")
        .hasMessageContaining("node.platform.arch");
  }

  @Test
  void rejectsNullAndOverlongValues() {
    assertThatThrownBy(() -> Constraint.parse(null)).hasMessageContaining("empty expression");
    assertThatThrownBy(() -> Constraint.parse("node.labels.a==" + "v".repeat(257)))
        .isInstanceOf(InvalidConstraintException.class)
        .hasMessageContaining("at most 256 printable characters");
  }

  @Test
  void constructorEnforcesTheSameRules() {
    assertThatThrownBy(() -> new Constraint("node.foo", Operator.EQ, "a"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown key 'node.foo'");
    assertThatThrownBy(() -> new Constraint("node.id", Operator.EQ, ""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Constraint("node.id", Operator.EQ, " a"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parseAllKeepsOrderAndStopsAtTheFirstInvalid() throws Exception {
    assertThat(Constraint.parseAll(List.of("node.role==worker", "node.labels.zone!=dmz")))
        .containsExactly(new Constraint("node.role", Operator.EQ, "worker"),
            new Constraint("node.labels.zone", Operator.NEQ, "dmz"));
    assertThat(Constraint.parseAll(List.of())).isEmpty();
    assertThatThrownBy(() -> Constraint.parseAll(List.of("node.role==worker", "zone=a", "bad")))
        .isInstanceOf(InvalidConstraintException.class)
        .hasMessageContaining("'zone=a'");
  }

  @Test
  void labelsCompareExactly() throws Exception {
    Node n = node(NodeRole.NODE_ROLE_WORKER, Map.of("zone", "pci", "rack", "r1"));
    assertThat(matches("node.labels.zone==pci", n)).isTrue();
    assertThat(matches("node.labels.zone==PCI", n)).isFalse();
    assertThat(matches("node.labels.zone==pc", n)).isFalse();
    assertThat(matches("node.labels.zone!=pci", n)).isFalse();
    assertThat(matches("node.labels.zone!=dmz", n)).isTrue();
    assertThat(matches("node.labels.Zone==pci", n)).isFalse();
  }

  @Test
  void aMissingLabelNeverEqualsAndAlwaysDiffers() throws Exception {
    Node n = node(NodeRole.NODE_ROLE_WORKER, Map.of("zone", "pci"));
    assertThat(matches("node.labels.rack==r1", n)).isFalse();
    assertThat(matches("node.labels.rack!=r1", n)).isTrue();
  }

  @Test
  void roleIsTheStoredCertificateRoleNotTheDesiredOne() throws Exception {
    Node worker = node(NodeRole.NODE_ROLE_WORKER, Map.of());
    assertThat(matches("node.role==worker", worker)).isTrue();
    assertThat(matches("node.role==manager", worker)).isFalse();
    assertThat(matches("node.role!=manager", worker)).isTrue();
    Node manager = node(NodeRole.NODE_ROLE_MANAGER, Map.of());
    assertThat(matches("node.role==manager", manager)).isTrue();
    assertThat(matches("node.role!=manager", manager)).isFalse();
    Node unknown = node(NodeRole.NODE_ROLE_UNSPECIFIED, Map.of());
    assertThat(matches("node.role==worker", unknown)).isFalse();
    assertThat(matches("node.role==manager", unknown)).isFalse();
    assertThat(matches("node.role!=manager", unknown)).isTrue();
  }

  @Test
  void hostnameIdAndPlatformMatch() throws Exception {
    Node n = node(NodeRole.NODE_ROLE_WORKER, Map.of());
    assertThat(matches("node.hostname==web-1", n)).isTrue();
    assertThat(matches("node.hostname!=web-1", n)).isFalse();
    assertThat(matches("node.hostname==web-2", n)).isFalse();
    assertThat(matches("node.id==n1", n)).isTrue();
    assertThat(matches("node.id!=n2", n)).isTrue();
    assertThat(matches("node.platform.os==linux", n)).isTrue();
    assertThat(matches("node.platform.arch==arm64", n)).isFalse();
    Node blank = Node.newBuilder().setId("n2").build();
    assertThat(matches("node.hostname==web-1", blank)).isFalse();
    assertThat(matches("node.hostname!=web-1", blank)).isTrue();
  }

  @Test
  void onlyAdminSetAttributesAreTrustworthy() throws Exception {
    assertThat(Constraint.parse("node.labels.zone==pci").isTrustworthy()).isTrue();
    assertThat(Constraint.parse("node.id==n1").isTrustworthy()).isTrue();
    assertThat(Constraint.parse("node.role==worker").isTrustworthy()).isTrue();
    assertThat(Constraint.parse("node.hostname==web-1").isTrustworthy()).isFalse();
    assertThat(Constraint.parse("node.platform.os==linux").isTrustworthy()).isFalse();
    assertThat(Constraint.parse("node.platform.arch==amd64").isTrustworthy()).isFalse();
  }

  @Test
  void nodeAttributesParseAndRead() throws Exception {
    Node n = node(NodeRole.NODE_ROLE_MANAGER, Map.of("rack", "r7"));
    assertThat(NodeAttribute.parse("node.labels.rack").read(n)).isEqualTo("r7");
    assertThat(NodeAttribute.parse("node.labels.zone").read(n)).isNull();
    assertThat(NodeAttribute.parse("node.role").read(n)).isEqualTo("manager");
    assertThat(NodeAttribute.parse("node.hostname").selfReported()).isTrue();
    assertThat(NodeAttribute.parse("node.labels.rack").selfReported()).isFalse();
    assertThatThrownBy(() -> NodeAttribute.parse("node.labels.r ack"))
        .isInstanceOf(InvalidConstraintException.class)
        .hasMessageContaining("invalid label name 'r ack'")
        .hasMessageContaining("node.labels.<label>");
  }
}
