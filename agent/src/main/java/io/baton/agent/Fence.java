package io.baton.agent;

import io.baton.agent.exec.TaskManager;
import io.baton.api.Task;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Optional fencing ({@code --fence-after D}): a worker that has not known its session to be live
 * for D stops all its tasks itself. The managers reschedule them elsewhere once the node is marked
 * down (3 heartbeat periods after its last heartbeat), so with D plus the longest stop grace below
 * that, a singleton workload never runs twice across a partition.
 *
 * <p>While fenced, assignments are held back, not applied: messages that were buffered on the wire
 * during a partition arrive when it heals, before the manager's word that the session expired, and
 * may start tasks the managers have meanwhile moved. The fence lifts only on proof that the session
 * is live again ({@link Agent#lastContact()}: an answered heartbeat or a new session), and then
 * applies the latest assignment set. A fenced node heartbeats {@link #HEARTBEATS_PER_FENCE} times per
 * D, so a healthy link never fences it between two heartbeats.
 *
 * <p>The check runs on a thread of its own: in a partition the node's heartbeats and status reports
 * hang until their deadlines, and a fence that waited behind them would fire after the managers had
 * already moved its tasks.
 */
public final class Fence implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Fence.class);
  /** How often the time since the last contact is checked. */
  private static final Duration CHECK = Duration.ofMillis(100);
  /** Heartbeats a fenced node sends per fence period at least. */
  public static final int HEARTBEATS_PER_FENCE = 4;

  private final Duration after;
  private final Supplier<Instant> lastContact;
  private final TaskManager tasks;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  /** Guarded by {@code this}: the latest assignment set, applied when the fence lifts. */
  private List<Task> latest = List.of();
  private boolean fenced;

  /**
   * @param lastContact when the session was last known live, as {@link Agent#lastContact()}
   */
  public Fence(Duration after, Supplier<Instant> lastContact, TaskManager tasks, Clock clock) {
    this.after = after;
    this.lastContact = lastContact;
    this.tasks = tasks;
    this.clock = clock;
    this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("baton-fence").daemon().factory());
    timer.scheduleWithFixedDelay(this::check, CHECK.toMillis(), CHECK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Applies a session's assignment set to the tasks now, or when the fence lifts if fenced. */
  public synchronized void apply(List<Task> assigned) {
    latest = List.copyOf(assigned);
    if (!fenced) {
      tasks.reconcile(latest);
    }
  }

  private synchronized void check() {
    boolean cutOff = lastContact.get().plus(after).isBefore(clock.instant());
    if (cutOff && !fenced) {
      fenced = true;
      log.warn("no live session for {} ms: stopping every task on this node (fencing)", after.toMillis());
      tasks.reconcile(List.of());
    } else if (!cutOff && fenced) {
      fenced = false;
      log.info("the session with the managers is live again; fencing lifted");
      tasks.reconcile(latest);
    }
  }

  /** True while the node's tasks are fenced off. */
  public synchronized boolean fenced() {
    return fenced;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
