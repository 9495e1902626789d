package io.baton.agent;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** Exponential backoff with full jitter between a minimum and a maximum. Not thread-safe. */
final class Backoff {
  private final Duration min;
  private final Duration max;
  private final RandomGenerator random;
  private int attempts;

  Backoff(Duration min, Duration max, RandomGenerator random) {
    this.min = min;
    this.max = max;
    this.random = random;
  }

  Duration next() {
    long ceiling = Math.min(max.toMillis(), min.toMillis() << Math.min(attempts, 20));
    attempts++;
    return Duration.ofMillis(min.toMillis() + random.nextLong(Math.max(1, ceiling - min.toMillis() + 1)));
  }

  void reset() {
    attempts = 0;
  }
}
