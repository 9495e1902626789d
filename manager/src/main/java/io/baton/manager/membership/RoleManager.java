package io.baton.manager.membership;

import io.baton.api.Node;
import io.baton.api.NodeRole;
import io.baton.store.ClusterStore;
import io.baton.store.Denylist;
import io.baton.store.ReadView;
import io.baton.store.StoreException;
import io.baton.store.StoreMembership.Member;
import io.baton.store.StoreMembership.Reachability;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the Raft group in line with the store on the leader: a member whose node was demoted,
 * removed or denylisted leaves the group. When that member is the leader itself, it first hands
 * the leadership to a reachable member, whose own role manager then removes it.
 *
 * <p>The role change in the store is what takes a manager's rights away (every RPC and every Raft
 * handshake checks the stored role); this only stops the group from counting on a member that no
 * longer belongs to it.
 */
public final class RoleManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RoleManager.class);
  /** How often the group is compared with the store; membership changes are rare. */
  private static final long INTERVAL_MS = 500;

  private final ClusterStore store;
  private final String selfId;
  private final ScheduledFuture<?> task;

  public RoleManager(ClusterStore store, String selfId, ScheduledExecutorService scheduler) {
    this.store = store;
    this.selfId = selfId;
    this.task = scheduler.scheduleWithFixedDelay(this::reconcile, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
  }

  /** One comparison of the group with the store; does nothing on a follower. */
  void reconcile() {
    if (!store.isLeader()) {
      return;
    }
    List<Member> members = store.membership().members();
    ReadView view = store.view();
    for (Member member : members) {
      if (belongs(view, member.id())) {
        continue;
      }
      try {
        if (member.id().equals(selfId)) {
          Optional<Member> successor = members.stream()
              .filter(m -> !m.id().equals(selfId) && belongs(view, m.id()))
              .filter(m -> m.reachability() == Reachability.REACHABLE)
              .findFirst();
          if (successor.isPresent()) {
            log.info("this manager was demoted; handing the leadership to {}", successor.get().id());
            store.membership().transferLeadership(successor.get().id());
          }
          return;
        }
        store.membership().removeMember(member.id());
        log.info("removed {} from the Raft group: it is no longer a manager", member.id());
      } catch (StoreException | RuntimeException e) {
        log.warn("could not take {} out of the Raft group yet: {}", member.id(), e.getMessage());
      }
    }
  }

  private static boolean belongs(ReadView view, String nodeId) {
    return !Denylist.contains(view, nodeId) && view.node(nodeId).map(Node::getRole).orElse(null) == NodeRole.NODE_ROLE_MANAGER;
  }

  @Override
  public void close() {
    task.cancel(false);
  }
}
