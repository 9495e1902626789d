package io.baton.bench;

import io.baton.store.PayloadCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * One configuration of the write-throughput benchmark ({@link WriteBench}): one row of its table.
 *
 * @param peers managers in the Raft group; only 1 today (the store cannot form a larger group
 *     yet); {@link BenchStore} is where more peers will be started
 * @param writers threads calling {@code update()} at the same time, each on objects of its own
 * @param codec what the store writes to disk through (its encryption-at-rest seam)
 * @param codecName how the table names {@code codec}, e.g. {@code plain}
 * @param warmup how long the writers run before each measured window (JIT, log segment creation)
 * @param window how long each run counts committed changes
 * @param runs measured windows per configuration; the table shows their min / median / max
 * @param dir parent of the stores' Raft directories: pick the disk to measure (fsync cost)
 */
record WriteBenchParams(
    int peers,
    int writers,
    PayloadCodec codec,
    String codecName,
    Duration warmup,
    Duration window,
    int runs,
    Path dir) {

  static final int DEFAULT_WRITERS = 64;
  static final Duration DEFAULT_WARMUP = Duration.ofSeconds(2);
  static final Duration DEFAULT_WINDOW = Duration.ofSeconds(5);
  static final int DEFAULT_RUNS = 5;
  static final int MAX_WRITERS = 1_024;

  WriteBenchParams {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(codecName, "codecName");
    Objects.requireNonNull(warmup, "warmup");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(dir, "dir");
    if (peers != 1) {
      throw new IllegalArgumentException(
          "--peers: only 1 is supported until the store can form a group of several managers");
    }
    if (writers < 1 || writers > MAX_WRITERS) {
      throw new IllegalArgumentException("--writers must be between 1 and " + MAX_WRITERS);
    }
    if (warmup.isNegative() || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("the warm-up must be >= 0 and the window > 0");
    }
    if (runs < 1) {
      throw new IllegalArgumentException("--runs must be positive");
    }
  }

  /** The same configuration with another number of writers. */
  WriteBenchParams withWriters(int n) {
    return new WriteBenchParams(peers, n, codec, codecName, warmup, window, runs, dir);
  }
}
