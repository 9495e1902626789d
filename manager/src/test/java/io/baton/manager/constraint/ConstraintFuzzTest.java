package io.baton.manager.constraint;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.baton.api.Node;
import io.baton.api.NodeDescription;
import io.baton.api.NodeRole;
import io.baton.api.NodeSpec;
import java.nio.charset.StandardCharsets;

/**
 * {@link Constraint#parse} on arbitrary text (service and secret constraints come from operators
 * through the control API): either {@link InvalidConstraintException} naming the accepted forms, or
 * a constraint that prints back to text parsing to itself, reads an attribute, and evaluates on any
 * node without failing. No other exception.
 */
class ConstraintFuzzTest {
  private static final Node NODE = Node.newBuilder()
      .setId("node00000000000000000000a")
      .setRole(NodeRole.NODE_ROLE_WORKER)
      .setSpec(NodeSpec.newBuilder().putLabels("zone", "a").putLabels("rack", "r1"))
      .setDescription(NodeDescription.newBuilder().setHostname("host-1"))
      .build();

  @FuzzTest
  void parse(byte[] input) throws Exception {
    String text = new String(input, StandardCharsets.UTF_8);
    Constraint constraint;
    try {
      constraint = Constraint.parse(text);
    } catch (InvalidConstraintException e) {
      assertThat(e.getMessage()).endsWith(Constraint.ACCEPTED_FORMS);
      return;
    }
    assertThat(Constraint.parse(constraint.toString())).isEqualTo(constraint);
    assertThat(constraint.attribute()).isNotNull();
    boolean trusted = constraint.isTrustworthy();
    assertThat(trusted).isEqualTo(!constraint.key().equals("node.hostname")
        && !constraint.key().startsWith("node.platform."));
    assertThat(constraint.matches(NODE)).isNotEqualTo(
        new Constraint(constraint.key(), flip(constraint.op()), constraint.value()).matches(NODE));
    assertThat(constraint.matches(Node.getDefaultInstance()))
        .isEqualTo(constraint.op() == Constraint.Operator.NEQ);
  }

  private static Constraint.Operator flip(Constraint.Operator op) {
    return op == Constraint.Operator.EQ ? Constraint.Operator.NEQ : Constraint.Operator.EQ;
  }
}
