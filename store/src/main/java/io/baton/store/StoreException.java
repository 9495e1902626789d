package io.baton.store;

import java.util.Optional;

/**
 * Why a store operation failed. Messages are written for an operator: they say what happened and,
 * where it helps, what to do.
 */
public abstract sealed class StoreException extends Exception
    permits StoreException.NotLeader,
        StoreException.Unavailable,
        StoreException.Conflict,
        StoreException.Corrupt {

  private StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** This peer is not the Raft leader; writes must go to the leader. */
  public static final class NotLeader extends StoreException {
    private final String leaderHint;

    /**
     * @param leaderHint the Raft peer id (the node id) of the leader if known, else {@code null}
     */
    public NotLeader(String message, String leaderHint) {
      super(message, null);
      this.leaderHint = leaderHint;
    }

    /** The Raft peer id (the node id) of the current leader, if this peer knows it. */
    public Optional<String> leaderHint() {
      return Optional.ofNullable(leaderHint);
    }
  }

  /** The store cannot serve now: no quorum, a timeout, or it is shut down. */
  public static final class Unavailable extends StoreException {
    public Unavailable(String message) {
      super(message, null);
    }

    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Concurrent writes kept changing the objects of an update, and its retries ran out. */
  public static final class Conflict extends StoreException {
    public Conflict(String message) {
      super(message, null);
    }
  }

  /** Stored data (a log entry or a snapshot) cannot be read; the store stops rather than guess. */
  public static final class Corrupt extends StoreException {
    public Corrupt(String message) {
      super(message, null);
    }

    public Corrupt(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
