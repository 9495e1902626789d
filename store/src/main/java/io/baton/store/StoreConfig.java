package io.baton.store;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Configuration of one store peer.
 *
 * @param raftDir directory holding this peer's Raft storage (log, metadata, snapshots); the store
 *     owns it, nothing else may live there
 * @param peerId this peer's Raft id: the manager's node id
 * @param raftAddress where the Raft port listens and where peers reach it
 * @param tls credentials of the Raft port (mutual TLS 1.3 only)
 * @param commitTimeout how long {@link ClusterStore#update} waits for its write to commit
 * @param snapshotEveryEntries a snapshot is taken each time this many log entries were applied
 *     since the last one (the log before a snapshot is then purged)
 * @param clock source of the {@code meta} timestamps written by proposals
 */
public record StoreConfig(
    Path raftDir,
    String peerId,
    InetSocketAddress raftAddress,
    RaftTls tls,
    Duration commitTimeout,
    long snapshotEveryEntries,
    Clock clock) {

  /** Long enough for a quorum to fsync under load, short enough for a caller to give up. */
  public static final Duration DEFAULT_COMMIT_TIMEOUT = Duration.ofSeconds(10);

  /** Bounds what a restart replays to 10,000 entries while keeping snapshot writes rare. */
  public static final long DEFAULT_SNAPSHOT_EVERY_ENTRIES = 10_000;

  static final Duration MIN_COMMIT_TIMEOUT = Duration.ofMillis(100);
  static final Duration MAX_COMMIT_TIMEOUT = Duration.ofMinutes(10);
  static final long MIN_SNAPSHOT_EVERY_ENTRIES = 1;
  static final long MAX_SNAPSHOT_EVERY_ENTRIES = 100_000_000;

  /** Ratis peer ids end up in file and metric names: keep them to a safe alphabet. */
  private static final Pattern PEER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  public StoreConfig {
    Objects.requireNonNull(raftDir, "raftDir");
    Objects.requireNonNull(peerId, "peerId");
    Objects.requireNonNull(raftAddress, "raftAddress");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(commitTimeout, "commitTimeout");
    Objects.requireNonNull(clock, "clock");
    if (!PEER_ID.matcher(peerId).matches()) {
      throw new IllegalArgumentException(
          "peerId must be 1-128 characters of [A-Za-z0-9._-] starting with a letter or digit: "
              + peerId);
    }
    if (raftAddress.getPort() < 1) {
      throw new IllegalArgumentException(
          "raftAddress needs a fixed port (peers dial it), got " + raftAddress);
    }
    if (commitTimeout.compareTo(MIN_COMMIT_TIMEOUT) < 0
        || commitTimeout.compareTo(MAX_COMMIT_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "commitTimeout must be between "
              + MIN_COMMIT_TIMEOUT
              + " and "
              + MAX_COMMIT_TIMEOUT
              + ", got "
              + commitTimeout);
    }
    if (snapshotEveryEntries < MIN_SNAPSHOT_EVERY_ENTRIES
        || snapshotEveryEntries > MAX_SNAPSHOT_EVERY_ENTRIES) {
      throw new IllegalArgumentException(
          "snapshotEveryEntries must be between "
              + MIN_SNAPSHOT_EVERY_ENTRIES
              + " and "
              + MAX_SNAPSHOT_EVERY_ENTRIES
              + ", got "
              + snapshotEveryEntries);
    }
  }

  /** A configuration with the default commit timeout, snapshot interval and the UTC system clock. */
  public static StoreConfig defaults(
      Path raftDir, String peerId, InetSocketAddress raftAddress, RaftTls tls) {
    return new StoreConfig(
        raftDir,
        peerId,
        raftAddress,
        tls,
        DEFAULT_COMMIT_TIMEOUT,
        DEFAULT_SNAPSHOT_EVERY_ENTRIES,
        Clock.systemUTC());
  }

  /** A copy with another commit timeout. */
  public StoreConfig withCommitTimeout(Duration timeout) {
    return new StoreConfig(
        raftDir, peerId, raftAddress, tls, timeout, snapshotEveryEntries, clock);
  }

  /** A copy with another snapshot interval. */
  public StoreConfig withSnapshotEveryEntries(long entries) {
    return new StoreConfig(raftDir, peerId, raftAddress, tls, commitTimeout, entries, clock);
  }

  /** A copy with another clock. */
  public StoreConfig withClock(Clock newClock) {
    return new StoreConfig(
        raftDir, peerId, raftAddress, tls, commitTimeout, snapshotEveryEntries, newClock);
  }
}
