package io.baton.manager.membership;

import io.baton.store.ClusterStore;
import io.baton.store.Denylist;
import io.baton.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader, drops denylist entries whose node can no longer hold a valid certificate, so the
 * list stays as short as the removals of the last certificate lifetime. Writes only when an entry
 * expired.
 */
public final class DenylistPruner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DenylistPruner.class);
  static final Duration INTERVAL = Duration.ofMinutes(1);

  private final ClusterStore store;
  private final Clock clock;
  private final ScheduledFuture<?> task;

  public DenylistPruner(ClusterStore store, Clock clock, ScheduledExecutorService scheduler) {
    this.store = store;
    this.clock = clock;
    long every = INTERVAL.toMillis();
    this.task = scheduler.scheduleWithFixedDelay(this::prune, every, every, TimeUnit.MILLISECONDS);
  }

  /** One pass; does nothing on a follower or when nothing expired. */
  public void prune() {
    if (!store.isLeader()
        || store.view().cluster().map(c -> !Denylist.hasExpired(c, clock.instant())).orElse(true)) {
      return;
    }
    try {
      store.update(tx -> {
        tx.cluster().ifPresent(c -> {
          var pruned = Denylist.pruned(c, clock.instant());
          if (pruned != c) {
            tx.put(pruned);
          }
        });
        return null;
      });
      log.info("dropped expired denylist entries");
    } catch (StoreException e) {
      log.warn("could not prune the denylist yet: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    task.cancel(false);
  }
}
