package io.baton.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.Node;
import io.baton.api.NodeMembership;
import io.baton.api.NodeRole;
import io.baton.api.NodeSpec;
import io.baton.api.NodeState;
import io.baton.api.NodeStatus;
import org.junit.jupiter.api.Test;

/** A pending node holds no role until accepted, and accepting gives back exactly the role it joined with. */
class JoinApprovalTest {
  private static Node joined(NodeRole role) {
    return Node.newBuilder().setId("n1").setRole(role)
        .setSpec(NodeSpec.newBuilder().setDesiredRole(role).putLabels("zone", "a"))
        .setStatus(NodeStatus.newBuilder().setState(NodeState.NODE_STATE_UNKNOWN).setAddr("10.0.0.9"))
        .build();
  }

  @Test
  void aPendingManagerJoinerIsStoredAsAWorkerThatRemembersTheManagerRole() {
    Node pending = JoinApproval.pending(joined(NodeRole.NODE_ROLE_MANAGER));
    assertThat(JoinApproval.isPending(pending)).isTrue();
    assertThat(pending.getRole()).isEqualTo(NodeRole.NODE_ROLE_WORKER);
    assertThat(pending.getSpec().getDesiredRole()).isEqualTo(NodeRole.NODE_ROLE_MANAGER);
    assertThat(pending.getStatus().getState()).isEqualTo(NodeState.NODE_STATE_PENDING);
    assertThat(pending.getStatus().getMessage()).contains("baton node accept n1");
    assertThat(pending.getStatus().getAddr()).isEqualTo("10.0.0.9");
  }

  @Test
  void acceptingGivesTheJoinedRoleAndIsIdempotent() {
    Node accepted = JoinApproval.accepted(JoinApproval.pending(joined(NodeRole.NODE_ROLE_MANAGER)));
    assertThat(JoinApproval.isPending(accepted)).isFalse();
    assertThat(accepted.getSpec().getMembership()).isEqualTo(NodeMembership.NODE_MEMBERSHIP_ACCEPTED);
    assertThat(accepted.getRole()).isEqualTo(NodeRole.NODE_ROLE_MANAGER);
    assertThat(accepted.getStatus().getState()).isEqualTo(NodeState.NODE_STATE_UNKNOWN);
    assertThat(accepted.getSpec().getLabelsMap()).containsEntry("zone", "a");
    assertThat(JoinApproval.accepted(accepted)).isSameAs(accepted);
    Node member = joined(NodeRole.NODE_ROLE_WORKER);
    assertThat(JoinApproval.isPending(member)).isFalse();
    assertThat(JoinApproval.accepted(member)).isSameAs(member);
  }
}
