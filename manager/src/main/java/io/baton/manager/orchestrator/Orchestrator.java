package io.baton.manager.orchestrator;

import io.baton.api.Service;
import io.baton.api.store.ObjectKind;
import io.baton.manager.orchestrator.global.GlobalReconciler;
import io.baton.manager.orchestrator.replicated.ReplicatedReconciler;
import io.baton.manager.orchestrator.taskreaper.TaskReaper;
import io.baton.manager.orchestrator.update.Updater;
import io.baton.manager.scheduler.SchedulingPass;
import io.baton.store.ClusterStore;
import io.baton.store.StoreEvent;
import io.baton.store.StoreException;
import io.baton.store.Subscription;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's control loop: after every change to the store (and when a delayed restart is due)
 * it runs the replicated and global reconcilers, the rolling updater and the task reaper in store
 * transactions, then lets the scheduler place pending tasks. Passes run one at a time on one
 * thread; changes arriving during a pass cause exactly one more pass.
 */
public final class Orchestrator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Orchestrator.class);
  /** A pass also runs this often without any change, so nothing waits on a lost wake-up. */
  private static final Duration SAFETY_TICK = Duration.ofSeconds(1);
  /** Transactions one pass may take before yielding to the next trigger. */
  private static final int MAX_TX_PER_PASS = 100;

  private final ClusterStore store;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final ReplicatedReconciler replicated;
  private final GlobalReconciler global;
  private final TaskReaper reaper = new TaskReaper(TaskReaper.DEFAULT_HISTORY);
  private final SchedulingPass scheduling;
  private final AtomicBoolean queued = new AtomicBoolean();
  private volatile boolean servicesRemoved = true;
  private Subscription subscription;
  private ScheduledFuture<?> tick;
  private ScheduledFuture<?> wake;

  public Orchestrator(ClusterStore store, Clock clock, SecureRandom random, ScheduledExecutorService executor) {
    this.store = store;
    this.clock = clock;
    this.executor = executor;
    TaskFactory tasks = new TaskFactory(random);
    this.replicated = new ReplicatedReconciler(tasks, new Updater(tasks));
    this.global = new GlobalReconciler(tasks);
    this.scheduling = new SchedulingPass(store, clock);
  }

  public synchronized void start() {
    subscription = store.watch(this::onEvent);
    tick = executor.scheduleWithFixedDelay(this::trigger, 0, SAFETY_TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void onEvent(StoreEvent event) {
    if (event.deleted().stream().anyMatch(r -> r.getKind() == ObjectKind.OBJECT_KIND_SERVICE)) {
      servicesRemoved = true;
    }
    trigger();
  }

  /** Asks for a pass; coalesces with one already queued. */
  public void trigger() {
    if (queued.compareAndSet(false, true)) {
      executor.execute(this::pass);
    }
  }

  private void pass() {
    queued.set(false);
    if (!store.isLeader()) {
      return;
    }
    try {
      OptionalLong due = OptionalLong.empty();
      for (int i = 0; i < MAX_TX_PER_PASS; i++) {
        long now = clock.millis();
        boolean orphans = servicesRemoved;
        servicesRemoved = false;
        PassResult result = store.update(tx -> {
          Writes writes = new Writes(tx, TaskReaper.DEFAULT_HISTORY);
          OptionalLong next = OptionalLong.empty();
          for (Service service : tx.services()) {
            if (writes.full()) {
              break;
            }
            OptionalLong d = service.getSpec().hasGlobal()
                ? global.reconcile(tx, service, now, writes)
                : replicated.reconcile(tx, service, now, writes);
            next = earliest(next, d);
            reaper.reap(service, tx.tasksOfService(service.getId()), writes);
          }
          if (orphans) {
            reaper.reapOrphans(tx, writes, now);
          }
          return new PassResult(writes.full(), next);
        });
        due = earliest(due, result.wake());
        if (!result.more()) {
          break;
        }
      }
      scheduling.run();
      scheduleWake(due);
    } catch (StoreException e) {
      log.warn("orchestration pass failed: {}", e.getMessage());
    } catch (RuntimeException e) {
      log.error("orchestration pass failed", e);
    }
  }

  private record PassResult(boolean more, OptionalLong wake) {}

  private synchronized void scheduleWake(OptionalLong due) {
    if (wake != null) {
      wake.cancel(false);
    }
    if (due.isPresent()) {
      long delay = Math.max(0, due.getAsLong() - clock.millis());
      wake = executor.schedule(this::trigger, delay, TimeUnit.MILLISECONDS);
    }
  }

  private static OptionalLong earliest(OptionalLong a, OptionalLong b) {
    if (a.isEmpty()) {
      return b;
    }
    return b.isPresent() && b.getAsLong() < a.getAsLong() ? b : a;
  }

  @Override
  public synchronized void close() {
    if (subscription != null) {
      subscription.close();
    }
    if (tick != null) {
      tick.cancel(false);
    }
    if (wake != null) {
      wake.cancel(false);
    }
  }
}
