package io.baton.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.baton.api.store.StoreBatch;
import io.baton.api.store.StoreSnapshot;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the store: applies {@link StoreBatch} entries to a
 * {@link StoreState} and keeps snapshots as {@link StoreSnapshot} files.
 *
 * <p>Ratis calls {@link #applyTransaction}, {@link #notifyTermIndexUpdated} and
 * {@link #takeSnapshot} from its single state-machine updater thread, in log order; that thread
 * is the only writer of {@link #state}, which readers on any thread get as an immutable version.
 * Apply is deterministic: it reads neither a clock nor a random source.
 *
 * <p>Every byte written to disk passes through the {@link PayloadCodec}: log payloads are encoded
 * in {@link #startTransaction} on the proposing leader, snapshots in {@link #takeSnapshot}. An
 * entry or snapshot that cannot be decoded is never skipped: the store records the
 * {@link StoreException.Corrupt}, logs it, and the Raft server stops.
 */
final class StoreStateMachine extends BaseStateMachine {

  private static final Logger log = LoggerFactory.getLogger(StoreStateMachine.class);

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final PayloadCodec codec;
  private final Consumer<StoreEvent> events;
  private volatile StoreState state = StoreState.EMPTY;
  private volatile StoreException.Corrupt failure;
  private volatile long loadedSnapshotIndex = RaftLog.INVALID_LOG_INDEX;

  /**
   * @param events called on the apply thread with the changes of each applied proposal, in log
   *     order and within an entry in batch order; must not block
   */
  StoreStateMachine(PayloadCodec codec, Consumer<StoreEvent> events) {
    this.codec = Objects.requireNonNull(codec, "codec");
    this.events = Objects.requireNonNull(events, "events");
  }

  /** The latest applied state. */
  StoreState state() {
    return state;
  }

  /** The index of the snapshot loaded at the last (re)initialisation; -1 if there was none. */
  long loadedSnapshotIndex() {
    return loadedSnapshotIndex;
  }

  /** The corruption that stopped this state machine, if any. */
  Optional<StoreException.Corrupt> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    getLifeCycle().transition(LifeCycle.State.STARTING);
    loadLatestSnapshot();
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  /**
   * Ratis pauses the state machine before it installs a snapshot the leader sent (a follower too
   * far behind, or a new manager), and reinitializes it from that snapshot afterwards.
   */
  @Override
  public void pause() {
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  @Override
  public void reinitialize() throws IOException {
    storage.loadLatestSnapshot();
    loadLatestSnapshot();
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }

  @Override
  public SimpleStateMachineStorage getStateMachineStorage() {
    return storage;
  }

  /**
   * Answers the empty read request of {@link RatisClusterStore#awaitCaughtUp}: Ratis calls it once
   * this peer has applied up to the leader's read index, which is all that request waits for.
   * Reads themselves go to the in-memory view.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    byte[] plain = request.getMessage().getContent().toByteArray();
    return TransactionContext.newBuilder()
        .setStateMachine(this)
        .setClientRequest(request)
        .setLogData(UnsafeByteOperations.unsafeWrap(codec.encode(plain)))
        .build();
  }

  /**
   * Applies one entry. Throws (rather than returning a failed future) when the entry cannot be
   * decoded, because Ratis stops its server on an exception thrown here but would log a failed
   * future and carry on with the next entry.
   */
  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long term = entry.getTerm();
    long index = entry.getIndex();
    StoreBatch batch = decodeEntry(entry);
    StoreState.BatchApplied applied = state.applyAll(batch, term, index);
    state = applied.state();
    codec.observe(state);
    updateLastAppliedTermIndex(term, index);
    applied.events().forEach(events);
    return CompletableFuture.completedFuture(
        Message.valueOf(UnsafeByteOperations.unsafeWrap(ApplyResult.encodeAll(applied.results()))));
  }

  private StoreBatch decodeEntry(LogEntryProto entry) {
    byte[] stored = entry.getStateMachineLogEntry().getLogData().toByteArray();
    try {
      return StoreState.parseEntry(codec.decode(stored));
    } catch (StoreException.Corrupt e) {
      throw stop(corruptEntry(entry, e.getMessage(), e));
    } catch (InvalidProtocolBufferException e) {
      throw stop(corruptEntry(entry, "not a batch of store proposals", e));
    }
  }

  private StoreException.Corrupt corruptEntry(LogEntryProto entry, String why, Exception cause) {
    return new StoreException.Corrupt(
        "Raft log entry "
            + entry.getIndex()
            + " (term "
            + entry.getTerm()
            + ") cannot be read: "
            + withoutFinalPeriod(why)
            + ". The store stopped instead of skipping it; restore this manager's raft directory"
            + " from a backup or rejoin it to the cluster.",
        cause);
  }

  private IllegalStateException stop(StoreException.Corrupt corrupt) {
    failure = corrupt;
    log.error("cluster store is corrupt; stopping the Raft server", corrupt);
    return new IllegalStateException(corrupt.getMessage(), corrupt);
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    super.notifyTermIndexUpdated(term, index);
    StoreState current = state;
    if (index > current.appliedIndex()) {
      state = current.withApplied(term, index);
    }
  }

  /**
   * Writes the current state to {@code snapshot.<term>_<index>} (encoded, fsynced, renamed into
   * place, then its MD5 file and the directory fsynced) and returns the index it covers.
   */
  @Override
  public long takeSnapshot() throws IOException {
    StoreState s = state;
    if (s.appliedIndex() <= 0) {
      return RaftLog.INVALID_LOG_INDEX;
    }
    File file = storage.getSnapshotFile(s.appliedTerm(), s.appliedIndex());
    byte[] bytes = codec.encode(s.toSnapshot().toByteArray());
    DurableFiles.writeAndRename(file.toPath(), bytes);
    MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    // Durable before Ratis purges the log the snapshot replaces.
    DurableFiles.fsyncDirectory(file.toPath().getParent());
    storage.updateLatestSnapshot(
        new SingleFileSnapshotInfo(
            new FileInfo(file.toPath(), md5), s.appliedTerm(), s.appliedIndex()));
    log.info("store snapshot written at index {} ({} bytes)", s.appliedIndex(), bytes.length);
    return s.appliedIndex();
  }

  private void loadLatestSnapshot() throws IOException {
    SingleFileSnapshotInfo info = storage.getLatestSnapshot();
    if (info == null) {
      state = StoreState.EMPTY;
      loadedSnapshotIndex = RaftLog.INVALID_LOG_INDEX;
      return;
    }
    Path path = info.getFile().getPath();
    try {
      StoreState loaded = readSnapshot(info, path);
      state = loaded;
      codec.observe(loaded);
      loadedSnapshotIndex = loaded.appliedIndex();
      setLastAppliedTermIndex(TermIndex.valueOf(loaded.appliedTerm(), loaded.appliedIndex()));
      log.info("store state loaded from snapshot {} at index {}", path, loaded.appliedIndex());
    } catch (StoreException.Corrupt e) {
      failure = e;
      log.error("cluster store snapshot is corrupt", e);
      throw new IOException(e.getMessage(), e);
    }
  }

  private StoreState readSnapshot(SingleFileSnapshotInfo info, Path path)
      throws StoreException.Corrupt {
    try {
      MD5Hash expected = info.getFile().getFileDigest();
      if (expected != null) {
        MD5Hash actual = MD5FileUtil.computeMd5ForFile(path.toFile());
        if (!expected.equals(actual)) {
          throw new StoreException.Corrupt(
              "its MD5 is " + actual + " but " + expected + " was recorded when it was written");
        }
      }
      StoreSnapshot snapshot = StoreSnapshot.parseFrom(codec.decode(Files.readAllBytes(path)));
      if (snapshot.getAppliedIndex() != info.getIndex()
          || snapshot.getAppliedTerm() != info.getTerm()) {
        throw new StoreException.Corrupt(
            "it holds index "
                + snapshot.getAppliedIndex()
                + " (term "
                + snapshot.getAppliedTerm()
                + ") but is named for index "
                + info.getIndex()
                + " (term "
                + info.getTerm()
                + ")");
      }
      return StoreState.fromSnapshot(snapshot);
    } catch (IOException | StoreException.Corrupt e) {
      throw new StoreException.Corrupt(
          "snapshot "
              + path
              + " cannot be read: "
              + withoutFinalPeriod(e.getMessage())
              + ". Restore this manager's raft directory from a backup or rejoin it to the"
              + " cluster.",
          e);
    }
  }

  private static String withoutFinalPeriod(String message) {
    String m = message == null ? "" : message.strip();
    return m.endsWith(".") ? m.substring(0, m.length() - 1) : m;
  }
}
