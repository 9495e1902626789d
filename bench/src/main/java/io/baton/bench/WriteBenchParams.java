package io.baton.bench;

import io.baton.store.PayloadCodec;
import io.baton.store.encryption.DataKeys;
import io.baton.store.encryption.EncryptedCodec;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;

/**
 * One configuration of the write-throughput benchmark ({@link WriteBench}): one row of its table.
 *
 * @param peers managers in the Raft group, all in this JVM on loopback (see {@link BenchStore})
 * @param writers threads calling {@code update()} at the same time, each on objects of its own
 * @param log how every peer encodes its log entries and snapshots on disk
 * @param warmup how long the writers run before each measured window (JIT, log segment creation)
 * @param window how long each run counts committed changes
 * @param runs measured windows per configuration; the table shows their min / median / max
 * @param dir parent of the stores' Raft directories: pick the disk to measure (fsync cost)
 */
record WriteBenchParams(
    int peers,
    int writers,
    Log log,
    Duration warmup,
    Duration window,
    int runs,
    Path dir) {

  static final int DEFAULT_WRITERS = 64;
  static final Duration DEFAULT_WARMUP = Duration.ofSeconds(2);
  static final Duration DEFAULT_WINDOW = Duration.ofSeconds(5);
  static final int DEFAULT_RUNS = 5;
  static final int MAX_WRITERS = 1_024;
  static final int MAX_PEERS = 7;

  WriteBenchParams {
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(warmup, "warmup");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(dir, "dir");
    if (peers < 1 || peers > MAX_PEERS) {
      throw new IllegalArgumentException("--peers must be between 1 and " + MAX_PEERS);
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

  /** The same configuration with another group size, log encoding and number of writers. */
  WriteBenchParams with(int peerCount, Log logCodec, int writerCount) {
    return new WriteBenchParams(peerCount, writerCount, logCodec, warmup, window, runs, dir);
  }

  /** How the store's log is written to disk; {@code --codec} names them in lower case. */
  enum Log {
    /** Protobuf bytes as they are ({@link PayloadCodec#PLAIN}). */
    PLAIN,
    /**
     * AES-256-GCM under the cluster's data keys ({@link EncryptedCodec}), as a manager writes it.
     */
    ENCRYPTED;

    /** The name on the command line and in the table. */
    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses a {@code --codec} value. */
    static Log parse(String value) {
      for (Log l : values()) {
        if (l.label().equals(value)) {
          return l;
        }
      }
      throw new IllegalArgumentException("--codec takes plain and/or encrypted, got '" + value + "'");
    }

    /**
     * A codec for one peer. Every peer of a group gets its own instance built from the same {@code
     * keys}, as real managers do, so each can decode what the leader encoded. The bench persists
     * nothing of the ring: its sink accepts a grown ring and drops it, which is honest only because
     * the bench rotates no key and deletes its stores on exit.
     */
    PayloadCodec codec(DataKeys keys, SecureRandom random) {
      return switch (this) {
        case PLAIN -> PayloadCodec.PLAIN;
        case ENCRYPTED -> new EncryptedCodec(keys, ring -> {}, random);
      };
    }
  }
}
