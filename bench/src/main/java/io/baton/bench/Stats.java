package io.baton.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Min / median / max of a set of durations, in milliseconds. The median of an even count is the
 * mean of the two middle values.
 */
record Stats(int count, double minMs, double medianMs, double maxMs) {
  static Stats ofNanos(List<Long> nanos) {
    if (nanos.isEmpty()) {
      throw new IllegalArgumentException("no samples");
    }
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int n = sorted.size();
    double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    return new Stats(n, ms(sorted.get(0)), median / 1e6, ms(sorted.get(n - 1)));
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
