package io.baton.store;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The replicated cluster state: reads from immutable views, writes as optimistic transactions
 * that are replicated through Raft before they become visible.
 *
 * <p>All methods are thread-safe.
 */
public interface ClusterStore extends AutoCloseable {

  /**
   * The most one {@link #update} may write, and the most one Raft log entry holds: 1.5 MiB, the
   * serialized size of the proposal its writes make (objects with their meta, plus a few bytes per
   * object and per proposal). Concurrent updates share entries up to this size. Keeps each entry
   * well below Ratis's 4 MiB append buffer and the 8 MiB log segment.
   */
  int MAX_PROPOSAL_BYTES = 3 << 19;

  /** The latest state applied on this peer; cheap, never blocks. */
  ReadView view();

  /**
   * Runs {@code fn} against the latest committed state, replicates its writes as one atomic
   * proposal, waits until that proposal is applied on this peer, and returns {@code fn}'s result.
   *
   * <p>If another write changed an object {@code fn} wrote in the meantime, {@code fn} is run
   * again on the newer state (a few times at most), so it must have no side effects besides its
   * writes to the transaction. A run that writes nothing is not replicated. A runtime exception
   * thrown by {@code fn} propagates unchanged and nothing is written. {@code fn} must not call
   * {@code update} itself.
   *
   * <p>Concurrent calls proceed together, and their proposals may share a Raft log entry; each
   * stays atomic on its own and succeeds or conflicts independently of the others. When {@code
   * update} returns, its writes are in {@link #view()} on this peer, for any thread.
   *
   * <p>The writes of one run must serialize to at most {@link #MAX_PROPOSAL_BYTES}; callers that
   * write many objects (e.g. thousands of tasks) batch them over several updates, each an atomic
   * unit of its own.
   *
   * @throws IllegalArgumentException if the writes of a run exceed {@link #MAX_PROPOSAL_BYTES};
   *     nothing is written
   * @throws StoreException.NotLeader if this peer is not the Raft leader
   * @throws StoreException.Unavailable if the write was not committed within the commit timeout
   *     (it may still be applied later), or the store is closed
   * @throws StoreException.Conflict if every retry met a conflicting write
   * @throws StoreException.Corrupt if the store found unreadable data and stopped
   */
  <R> R update(Function<Tx, R> fn) throws StoreException;

  /**
   * Registers a listener called after each applied update that changed something, in log order,
   * on one thread owned by the store (a slow listener delays the others). Updates that shared a
   * log entry give one event each, in the order they were applied, all with the entry's index:
   * indexes never decrease but may repeat. Events applied before the call are not delivered; to
   * follow the state without gaps, subscribe first, then read {@link #view()} and skip events
   * whose index is not above its {@link ReadView#appliedIndex()} (a view never shows part of an
   * entry). Exceptions thrown by the listener are logged and otherwise ignored.
   */
  Subscription watch(Consumer<StoreEvent> listener);

  /**
   * Returns once this peer has applied every entry the Raft leader had committed when the call
   * began (Raft's ReadIndex), so {@link #view()} then holds every write acknowledged anywhere before
   * the call: a read on a follower sees what a client just wrote through the leader. Returns at
   * once on the leader, whose own writes are applied before they are acknowledged.
   *
   * @throws StoreException.Unavailable if no leader answered within {@code timeout} (no quorum,
   *     an election under way) or the store is closed
   */
  void awaitCaughtUp(Duration timeout) throws StoreException;

  /** Whether this peer is the Raft leader and ready to accept writes. */
  boolean isLeader();

  /**
   * Waits until this peer is the Raft leader and ready to accept writes.
   *
   * @throws StoreException.Unavailable if that did not happen within {@code timeout} or the store
   *     is closed
   * @throws StoreException.Corrupt if the store found unreadable data and stopped
   */
  void awaitLeader(Duration timeout) throws StoreException;

  /** The managers replicating this store and changes to that group. */
  StoreMembership membership();

  /** Stops the store and its Raft server; idempotent; takes at most a few seconds. */
  @Override
  void close();

  /** A registration made by {@link #watch}; closing it stops further deliveries. */
  interface Subscription extends io.baton.store.Subscription {}
}
