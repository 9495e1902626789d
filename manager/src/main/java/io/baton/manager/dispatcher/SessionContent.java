package io.baton.manager.dispatcher;

import io.baton.api.LogSubscription;
import io.baton.api.ManagerPeer;
import io.baton.api.Node;
import java.util.List;

/**
 * Everything a node's session carries, as of one read of the store: what {@link HeldAssignments}
 * compares with what the node already holds.
 *
 * @param node the node object as managers see it
 * @param heartbeatPeriodMs the heartbeat period the node must keep
 * @param managers the managers' addresses, for failover
 * @param assignments its tasks and exactly the secrets they reference, after zone policy
 * @param logSubscriptions the open requests for its tasks' output
 * @param trustedRootsPem the root CA certificates the node must trust (two during a root rotation)
 */
record SessionContent(
    Node node,
    long heartbeatPeriodMs,
    List<ManagerPeer> managers,
    Assignments assignments,
    List<LogSubscription> logSubscriptions,
    String trustedRootsPem) {
  SessionContent {
    managers = List.copyOf(managers);
    logSubscriptions = List.copyOf(logSubscriptions);
  }
}
