package io.baton.manager.membership;

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
