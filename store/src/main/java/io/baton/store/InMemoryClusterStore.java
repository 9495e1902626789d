package io.baton.store;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The in-memory twin of {@link RatisClusterStore}, for tests of code that uses a
 * {@link ClusterStore}: the same transactions, object kinds, indexes, versions, timestamps,
 * validation, proposal size cap and events, with no Raft, no network and no disk. It is always the leader until closed. Versions are a counter
 * that starts at 1 and grows by one per applied write.
 *
 * <p>Thread-safe; updates are serialised.
 */
public final class InMemoryClusterStore implements ClusterStore {

  private final Clock clock;
  private final Watchers watchers = new Watchers("in-memory");
  private final ReentrantLock writes = new ReentrantLock(true);
  private volatile StoreState state = StoreState.EMPTY;
  private volatile boolean closed;

  public InMemoryClusterStore(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public InMemoryClusterStore() {
    this(Clock.systemUTC());
  }

  @Override
  public ReadView view() {
    return state;
  }

  @Override
  public <R> R update(Function<Tx, R> fn) throws StoreException {
    Objects.requireNonNull(fn, "fn");
    if (writes.isHeldByCurrentThread()) {
      throw new IllegalStateException("update() must not be called from an update function");
    }
    writes.lock();
    try {
      checkOpen();
      StoreState base = state;
      StoreTx tx = new StoreTx(base);
      R result;
      try {
        result = fn.apply(tx);
      } finally {
        tx.close();
      }
      if (!tx.hasWrites()) {
        return result;
      }
      StoreState.Applied applied =
          base.apply(tx.toProposal(clock.millis()), 1, base.appliedIndex() + 1);
      state = applied.state();
      if (applied.event() != null) {
        watchers.publish(applied.event());
      }
      return switch (applied.result().kind()) {
        case APPLIED -> result;
        case CONFLICT -> throw new StoreException.Conflict(applied.result().detail());
        case REJECTED ->
            throw new IllegalStateException(
                "the store rejected a write: " + applied.result().detail());
      };
    } finally {
      writes.unlock();
    }
  }

  @Override
  public Subscription watch(Consumer<StoreEvent> listener) {
    return watchers.add(listener);
  }

  @Override
  public boolean isLeader() {
    return !closed;
  }

  /** The one peer is always caught up. */
  @Override
  public void awaitCaughtUp(Duration timeout) throws StoreException {
    checkOpen();
  }

  @Override
  public void awaitLeader(Duration timeout) throws StoreException {
    checkOpen();
  }

  @Override
  public StoreMembership membership() {
    return StoreMembership.NONE;
  }

  @Override
  public void close() {
    closed = true;
    watchers.close();
  }

  private void checkOpen() throws StoreException {
    if (closed) {
      throw new StoreException.Unavailable("the cluster store is shut down");
    }
  }
}
