package io.baton.manager.membership;

import io.baton.api.NodeRole;
import io.baton.store.ReadView;
import io.baton.store.StoreMembership.Member;
import io.baton.store.StoreMembership.Reachability;
import java.util.List;
import java.util.Optional;

/**
 * Refuses a change that would leave the managers without a working majority: removing the last
 * manager, or removing one when the managers still reachable afterwards would be fewer than a
 * quorum of the group that remains. Judged on the leader's view of reachability.
 */
public final class QuorumGuard {
  private QuorumGuard() {}

  /**
   * Why node {@code leaving} may not stop being a manager (demotion or removal), or empty if it
   * may, or if it is not a manager: it is the last manager in the store, or the Raft group would
   * lose its reachable quorum without it.
   */
  public static Optional<String> whyNotLeave(ReadView view, List<Member> members, String leaving) {
    boolean manager = view.node(leaving).map(n -> n.getRole() == NodeRole.NODE_ROLE_MANAGER).orElse(false);
    if (!manager) {
      return Optional.empty();
    }
    long managers = view.nodes().stream().filter(n -> n.getRole() == NodeRole.NODE_ROLE_MANAGER).count();
    return managers <= 1
        ? Optional.of("it is the last manager; promote another node first")
        : whyNotRemove(members, leaving);
  }

  /**
   * Why removing {@code leaving} from {@code members} would lose the quorum, or empty if it is
   * safe (or {@code leaving} is not a member).
   */
  public static Optional<String> whyNotRemove(List<Member> members, String leaving) {
    if (members.stream().noneMatch(m -> m.id().equals(leaving))) {
      return Optional.empty();
    }
    int remaining = members.size() - 1;
    if (remaining == 0) {
      return Optional.of("it is the last manager; promote another node first");
    }
    long reachable = members.stream()
        .filter(m -> !m.id().equals(leaving))
        .filter(m -> m.leader() || m.reachability() == Reachability.REACHABLE)
        .count();
    int quorum = remaining / 2 + 1;
    if (reachable < quorum) {
      return Optional.of("only " + reachable + " of the remaining " + remaining
          + " managers are reachable and " + quorum + " are needed for a quorum; bring managers"
          + " back or add new ones first");
    }
    return Optional.empty();
  }
}
