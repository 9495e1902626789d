package io.baton.agent;

import io.baton.agent.exec.TaskManager;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Optional fencing ({@code --fence-after D}): a worker that has not heard from any manager for D
 * stops all its tasks itself. The managers reschedule them elsewhere once the node is marked down,
 * so with D below the down detection time a singleton workload never runs twice across a partition.
 * When a session returns, the manager's task set is applied again as usual.
 *
 * <p>The check runs on a thread of its own: in a partition the node's heartbeats and status reports
 * hang until their deadlines, and a fence that waited behind them would fire after the managers had
 * already moved its tasks. Stopping gives each task its stop grace period, so for the promise to hold D
 * plus the longest stop grace must stay below the down detection time (3 heartbeat periods).
 */
public final class Fence implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Fence.class);
  /** How often the time since the last contact is checked. */
  private static final Duration CHECK = Duration.ofMillis(250);

  private final Duration after;
  private final Agent agent;
  private final TaskManager tasks;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private boolean fenced;

  public Fence(Duration after, Agent agent, TaskManager tasks, Clock clock) {
    this.after = after;
    this.agent = agent;
    this.tasks = tasks;
    this.clock = clock;
    this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("baton-fence").daemon().factory());
    timer.scheduleWithFixedDelay(this::check, CHECK.toMillis(), CHECK.toMillis(), TimeUnit.MILLISECONDS);
  }

  private synchronized void check() {
    boolean cutOff = agent.lastContact().plus(after).isBefore(clock.instant());
    if (cutOff && !fenced) {
      fenced = true;
      log.warn("no manager heard from for {} s: stopping every task on this node (fencing)", after.toSeconds());
      tasks.reconcile(List.of());
    } else if (!cutOff && fenced) {
      fenced = false;
      log.info("a manager is reachable again; fencing lifted");
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
