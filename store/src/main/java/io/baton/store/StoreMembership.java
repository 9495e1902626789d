package io.baton.store;

import java.util.List;
import java.util.Optional;

/**
 * The managers that replicate the store (the Raft group), as this peer sees them, and the changes
 * to it. Peer ids are node ids.
 *
 * <p>Changes are made on the leader only; they are themselves Raft entries, so they survive a
 * leader change once committed.
 */
public interface StoreMembership {

  /** Membership of a store that has no Raft group (the in-memory twin): no peers, no changes. */
  StoreMembership NONE =
      new StoreMembership() {
        @Override
        public Optional<String> leaderId() {
          return Optional.empty();
        }

        @Override
        public List<Member> members() {
          return List.of();
        }

        @Override
        public void addMember(String peerId, String raftAddress) throws StoreException {
          throw new StoreException.Unavailable("this store has no Raft group to add a manager to");
        }

        @Override
        public void removeMember(String peerId) throws StoreException {
          throw new StoreException.Unavailable("this store has no Raft group to remove a manager from");
        }

        @Override
        public void transferLeadership(String toPeerId) throws StoreException {
          throw new StoreException.Unavailable("this store has no Raft group to hand over");
        }
      };

  /** Whether the leader heard from a member recently, as the leader knows it. */
  enum Reachability {
    /** The peer answered the leader within the last few election timeouts (or is the leader). */
    REACHABLE,
    /** The leader has not heard from it for several election timeouts. */
    UNREACHABLE,
    /** This peer is not the leader, so it cannot tell. */
    UNKNOWN
  }

  /**
   * A voting member of the group.
   *
   * @param id the peer id (the manager's node id)
   * @param raftAddress where its Raft port listens
   * @param leader whether it is the current leader
   * @param reachability how the leader last heard from it
   */
  record Member(String id, String raftAddress, boolean leader, Reachability reachability) {}

  /** The current leader's peer id, if this peer knows one. */
  Optional<String> leaderId();

  /** The voting members of the current configuration. */
  List<Member> members();

  /**
   * Adds a manager as a voting member, or does nothing if it is one already. Ratis first stages
   * the new peer without a vote and catches it up, so a slow joiner never stalls the quorum; this
   * returns once the new configuration is committed.
   *
   * @throws StoreException.NotLeader on a follower
   * @throws StoreException.Unavailable if the new peer did not catch up or the change did not
   *     commit in time
   */
  void addMember(String peerId, String raftAddress) throws StoreException;

  /**
   * Removes a voting member, or does nothing if it is not one.
   *
   * @throws StoreException.NotLeader on a follower
   * @throws StoreException.Unavailable if the change did not commit in time
   */
  void removeMember(String peerId) throws StoreException;

  /**
   * Makes {@code toPeerId} the leader: this leader stops taking writes, brings it up to date and
   * lets it win the next election. Returns once it leads.
   *
   * @throws StoreException.NotLeader on a follower
   * @throws StoreException.Unavailable if the hand-over did not complete in time
   */
  void transferLeadership(String toPeerId) throws StoreException;
}
