package io.baton.manager.raftproxy;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Waits for a channel to the leader to hold a connection before a call is relayed over it.
 *
 * <p>A channel whose last attempt failed (the leader was down a moment ago, e.g. while the managers
 * restart one after another) sits in reconnect backoff, up to two minutes, and fails every call at
 * once with {@code UNAVAILABLE: io exception} even after the leader is back. A leader that was just
 * elected is almost always reachable, so this skips the backoff and retries the connection for a
 * bounded time instead; attempts are spaced at least {@link #RETRY_SPACING} apart, so an unreachable
 * leader costs a handful of refused connects, not a busy loop.
 */
final class LeaderConnection {
  static final Duration RETRY_SPACING = Duration.ofMillis(100);

  private LeaderConnection() {}

  /**
   * True once {@code channel} is {@link ConnectivityState#READY}; false when it is not within
   * {@code timeout}, when it was shut down, or when this thread is interrupted (whose flag stays set).
   */
  static boolean awaitReady(ManagedChannel channel, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long lastReset = System.nanoTime() - RETRY_SPACING.toNanos();
    ConnectivityState state = channel.getState(true);
    while (state != ConnectivityState.READY) {
      if (state == ConnectivityState.SHUTDOWN) {
        return false;
      }
      long now = System.nanoTime();
      if (state == ConnectivityState.TRANSIENT_FAILURE && now - lastReset >= RETRY_SPACING.toNanos()) {
        channel.resetConnectBackoff();
        lastReset = now;
      }
      long wait = Math.min(deadline - now, RETRY_SPACING.toNanos());
      if (wait <= 0) {
        return false;
      }
      CountDownLatch changed = new CountDownLatch(1);
      channel.notifyWhenStateChanged(state, changed::countDown);
      try {
        changed.await(wait, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      state = channel.getState(true);
    }
    return true;
  }
}
