package io.baton.store;

import io.baton.api.store.StoreBatch;
import io.baton.api.store.StoreProposal;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.ratis.io.CorruptedFileException;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.ChecksumException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage.StartupOption;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ClusterStore} of a manager: a Ratis server over gRPC with mutual TLS 1.3, running a
 * {@link StoreStateMachine}.
 *
 * <p>Writes are submitted straight to the local Ratis server, without a Ratis client: a client
 * would dial this peer's own address and grpc's hostname check would fail against manager
 * certificates, which name only {@code baton-manager}.
 *
 * <p>Concurrent updates run at the same time: each runs its function against the latest applied
 * state, and a {@link ProposalBatcher} packs the proposals waiting at that moment into one log
 * entry (up to {@link ClusterStore#MAX_PROPOSAL_BYTES}), with up to {@value #BATCHES_IN_FLIGHT}
 * entries in flight. An update whose proposal conflicted runs again alone: it waits until the
 * updates of this peer in progress have returned and holds off new ones until it returns, so a
 * retry can only meet writes that reach the log from elsewhere, as when every update ran alone.
 *
 * <p>Thread-safe. Ratis threads are not daemons: {@link #close} must be called.
 */
public final class RatisClusterStore implements ClusterStore {

  private static final Logger log = LoggerFactory.getLogger(RatisClusterStore.class);

  /** Runs of an update function before {@link StoreException.Conflict}. */
  static final int MAX_ATTEMPTS = 5;

  /**
   * Log entries submitted and not yet applied, at most. Two keep the log busy: one entry is
   * written and fsynced while the next collects the updates that arrive meanwhile. On one manager,
   * 4 or 8 made entries smaller and throughput no better (scripts/bench.sh writes).
   */
  static final int BATCHES_IN_FLIGHT = 2;

  /** Pause before resubmitting while the leader is not ready yet (it is after one fsync). */
  private static final long NOT_READY_PAUSE_MS = 20;

  /** Poll interval of {@link #awaitLeader}: small against the ~0.5 s an election takes. */
  private static final long LEADER_POLL_MS = 10;

  private final StoreConfig cfg;
  private final RaftGroupId groupId;
  private final RaftServer server;
  private final StoreStateMachine stateMachine;
  private final Watchers watchers;
  private final RatisMembership membership;
  /** Names this store's requests in Ratis's retry cache; never part of replicated state. */
  private final ClientId clientId = ClientId.randomId();

  private final AtomicLong callIds = new AtomicLong();
  /**
   * First runs of update functions hold it shared, from the run until the proposal is applied;
   * runs after a conflict hold it exclusively. Fair, so a waiting retry holds off new updates.
   */
  private final ReentrantReadWriteLock updates = new ReentrantReadWriteLock(true);
  private final ProposalBatcher batcher;
  private final AtomicBoolean closed = new AtomicBoolean();

  private RatisClusterStore(
      StoreConfig cfg,
      RaftGroupId groupId,
      RaftServer server,
      StoreStateMachine stateMachine,
      Watchers watchers) {
    this.cfg = cfg;
    this.groupId = groupId;
    this.server = server;
    this.stateMachine = stateMachine;
    this.watchers = watchers;
    this.membership = new RatisMembership(server, groupId, cfg.commitTimeout());
    this.batcher = new ProposalBatcher(cfg.peerId(), this::submit, BATCHES_IN_FLIGHT);
  }

  /** {@link #bootstrap(StoreConfig, String, PayloadCodec)} with {@link PayloadCodec#PLAIN}. */
  public static RatisClusterStore bootstrap(StoreConfig cfg, String clusterId)
      throws StoreException {
    return bootstrap(cfg, clusterId, PayloadCodec.PLAIN);
  }

  /**
   * Creates the Raft group of a new cluster, with this peer as its only member, in a new storage
   * directory under {@code cfg.raftDir()}, and starts it. Call {@link #awaitLeader} before the
   * first write.
   *
   * @throws IllegalStateException if storage for this cluster already exists there
   * @throws StoreException.Unavailable if the directory cannot be created or the server cannot
   *     start (e.g. the Raft port is taken); the storage it created is then removed again
   */
  public static RatisClusterStore bootstrap(StoreConfig cfg, String clusterId, PayloadCodec codec)
      throws StoreException {
    return bootstrap(cfg, clusterId, codec, hostPort(cfg));
  }

  /**
   * {@link #bootstrap(StoreConfig, String, PayloadCodec)} where the other peers reach this one at
   * {@code advertisedAddr} ({@code HOST:PORT}) rather than at the address its Raft port binds to
   * (a wildcard or private listen address, or a relay in front of it).
   */
  public static RatisClusterStore bootstrap(
      StoreConfig cfg, String clusterId, PayloadCodec codec, String advertisedAddr) throws StoreException {
    RaftGroupId gid = groupId(clusterId);
    Path groupDir = groupDir(cfg, gid);
    createRaftDir(cfg);
    if (Files.exists(groupDir)) {
      throw new IllegalStateException(
          "Raft storage of cluster "
              + clusterId
              + " already exists at "
              + groupDir
              + "; restart it with open() rather than bootstrapping it again");
    }
    RaftPeer self = RaftPeer.newBuilder().setId(cfg.peerId()).setAddress(advertisedAddr).build();
    try {
      return start(cfg, RaftGroup.valueOf(gid, self), codec, StartupOption.FORMAT);
    } catch (StoreException e) {
      deleteQuietly(groupDir);
      throw e;
    }
  }

  /**
   * Creates empty Raft storage for a manager joining an existing cluster and starts its server
   * outside any configuration: it takes part only once the leader adds it with
   * {@link StoreMembership#addMember}, and then receives the state from the leader.
   *
   * @throws IllegalStateException if storage for this cluster already exists there
   * @throws StoreException.Unavailable if the server cannot start
   */
  public static RatisClusterStore join(StoreConfig cfg, String clusterId) throws StoreException {
    return join(cfg, clusterId, PayloadCodec.PLAIN);
  }

  /**
   * {@link #join(StoreConfig, String)} with {@code codec}, which must read what the group's other
   * peers write (the cluster's data keys).
   */
  public static RatisClusterStore join(StoreConfig cfg, String clusterId, PayloadCodec codec)
      throws StoreException {
    RaftGroupId gid = groupId(clusterId);
    Path groupDir = groupDir(cfg, gid);
    createRaftDir(cfg);
    if (Files.exists(groupDir)) {
      throw new IllegalStateException(
          "Raft storage of cluster " + clusterId + " already exists at " + groupDir);
    }
    try {
      return start(cfg, RaftGroup.valueOf(gid), codec, StartupOption.FORMAT);
    } catch (StoreException e) {
      deleteQuietly(groupDir);
      throw e;
    }
  }

  private static void createRaftDir(StoreConfig cfg) throws StoreException {
    try {
      Files.createDirectories(cfg.raftDir());
      restrictToOwner(cfg.raftDir());
    } catch (IOException e) {
      throw new StoreException.Unavailable(
          "cannot create the Raft directory " + cfg.raftDir() + ": " + e.getMessage(), e);
    }
  }

  /** Removes the storage a failed bootstrap created, so that bootstrap can be tried again. */
  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("could not remove {} after a failed bootstrap: {}", dir, e.getMessage());
    }
  }

  /** {@link #open(StoreConfig, String, PayloadCodec)} with {@link PayloadCodec#PLAIN}. */
  public static RatisClusterStore open(StoreConfig cfg, String clusterId) throws StoreException {
    return open(cfg, clusterId, PayloadCodec.PLAIN);
  }

  /**
   * Restarts this peer from its existing storage: loads the latest snapshot, then replays the log
   * after it (replay continues in the background; {@link #awaitLeader} returns once it is done on
   * a leader). The group's members come from the storage.
   *
   * @throws StoreException.Corrupt if the storage is missing or damaged
   * @throws StoreException.Unavailable if it cannot be read or the server cannot start
   */
  public static RatisClusterStore open(StoreConfig cfg, String clusterId, PayloadCodec codec)
      throws StoreException {
    RaftGroupId gid = groupId(clusterId);
    Path groupDir = groupDir(cfg, gid);
    if (!Files.isDirectory(groupDir)) {
      throw new StoreException.Corrupt(
          "no Raft storage of cluster "
              + clusterId
              + " at "
              + groupDir
              + ": the manager's raft directory is missing or belongs to another cluster");
    }
    if (!Files.isReadable(groupDir) || !Files.isWritable(groupDir)) {
      throw new StoreException.Unavailable(
          "the Raft storage at " + groupDir + " is not readable and writable by this process");
    }
    return start(cfg, RaftGroup.valueOf(gid), codec, StartupOption.RECOVER);
  }

  /** The log and snapshots hold the cluster's secrets: only this process's user may enter. */
  private static void restrictToOwner(Path dir) throws IOException {
    if (Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
  }

  /** The Raft group id of a cluster: derived from its id, so every manager computes the same. */
  static RaftGroupId groupId(String clusterId) {
    Objects.requireNonNull(clusterId, "clusterId");
    if (clusterId.isEmpty()) {
      throw new IllegalArgumentException("clusterId is empty");
    }
    return RaftGroupId.valueOf(
        UUID.nameUUIDFromBytes(("baton-" + clusterId).getBytes(StandardCharsets.UTF_8)));
  }

  /** Where Ratis keeps a group's storage under the raft directory. */
  static Path groupDir(StoreConfig cfg, RaftGroupId gid) {
    return cfg.raftDir().resolve(gid.getUuid().toString());
  }

  private static String hostPort(StoreConfig cfg) {
    InetSocketAddress a = cfg.raftAddress();
    String host = a.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  private static RatisClusterStore start(
      StoreConfig cfg, RaftGroup group, PayloadCodec codec, StartupOption option)
      throws StoreException {
    RatisExitGuard.install();
    Watchers watchers = new Watchers(cfg.peerId());
    StoreStateMachine sm = new StoreStateMachine(codec, watchers::publish);
    RaftServer server = null;
    RatisClusterStore store = null;
    try {
      server =
          RaftServer.newBuilder()
              .setServerId(RaftPeerId.valueOf(cfg.peerId()))
              .setGroup(group)
              .setStateMachine(sm)
              .setProperties(RaftSettings.properties(cfg))
              .setParameters(RaftSettings.parameters(cfg.tls()))
              .setOption(option)
              .build();
      server.start();
      store = new RatisClusterStore(cfg, group.getGroupId(), server, sm, watchers);
      store.checkLogFollowsSnapshot();
      log.info(
          "cluster store started: peer {}, group {}, Raft port {} (mutual TLS 1.3)",
          cfg.peerId(),
          group.getGroupId(),
          cfg.raftAddress());
      return store;
    } catch (IOException | RuntimeException | StoreException e) {
      if (store != null) {
        store.batcher.close();
      }
      closeQuietly(server);
      watchers.close();
      RatisExitGuard.clearRequestedExit();
      throw startFailure(cfg, sm, e);
    }
  }

  /**
   * Fails if the log starts after the snapshot ends: snapshot files were lost and entries in
   * between would be silently missing.
   */
  private void checkLogFollowsSnapshot() throws IOException, StoreException {
    long logStart = server.getDivision(groupId).getRaftLog().getStartIndex();
    long snapshotEnd = stateMachine.loadedSnapshotIndex();
    if (logStart > snapshotEnd + 1) {
      throw new StoreException.Corrupt(
          "the Raft log under "
              + cfg.raftDir()
              + " starts at index "
              + logStart
              + " but the latest snapshot ends at "
              + snapshotEnd
              + ": snapshot files are missing. Restore the raft directory from a backup or rejoin"
              + " this manager to the cluster.");
    }
  }

  private static StoreException startFailure(StoreConfig cfg, StoreStateMachine sm, Exception e) {
    if (sm.failure().isPresent()) {
      return sm.failure().get();
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StoreException se) {
        return se;
      }
      if (t instanceof ChecksumException || t instanceof CorruptedFileException) {
        return new StoreException.Corrupt(
            "the Raft log under "
                + cfg.raftDir()
                + " is damaged ("
                + t.getMessage()
                + "); the store did not start. Restore the raft directory from a backup or rejoin"
                + " this manager to the cluster.",
            e);
      }
      if (t instanceof BindException || isBindFailure(t.getMessage())) {
        return new StoreException.Unavailable(
            "cannot listen on the Raft address " + cfg.raftAddress() + ": " + t.getMessage(), e);
      }
    }
    return new StoreException.Unavailable(
        "the Raft server could not start from " + cfg.raftDir() + ": " + rootMessage(e), e);
  }

  /** Whether a message is grpc's or Netty's report of a port that cannot be bound. */
  private static boolean isBindFailure(String message) {
    return message != null
        && (message.startsWith("Failed to bind") || message.contains("Address already in use"));
  }

  /** The state machine, for tests that inspect how state was recovered. */
  StoreStateMachine stateMachineForTest() {
    return stateMachine;
  }

  /** This peer's Raft division, for tests that inspect the log. */
  RaftServer.Division division() throws IOException {
    return server.getDivision(groupId);
  }

  @Override
  public ReadView view() {
    return stateMachine.state();
  }

  @Override
  public <R> R update(Function<Tx, R> fn) throws StoreException {
    Objects.requireNonNull(fn, "fn");
    if (updates.getReadHoldCount() > 0 || updates.isWriteLockedByCurrentThread()) {
      throw new IllegalStateException("update() must not be called from an update function");
    }
    long deadline = System.nanoTime() + cfg.commitTimeout().toNanos();
    checkUsable();
    String lastConflict = "";
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      Lock lock = attempt == 1 ? updates.readLock() : updates.writeLock();
      Run<R> run = run(fn, lock, deadline);
      if (run.conflict() == null) {
        return run.result();
      }
      lastConflict = run.conflict();
    }
    throw new StoreException.Conflict(
        "the write kept conflicting with concurrent writes and was given up after "
            + MAX_ATTEMPTS
            + " attempts (last: "
            + lastConflict
            + "); try again");
  }

  /** One run of an update function: its result, or why its proposal conflicted. */
  private record Run<R>(R result, String conflict) {}

  /** Runs {@code fn} once under {@code lock} and replicates its writes, if any. */
  private <R> Run<R> run(Function<Tx, R> fn, Lock lock, long deadline) throws StoreException {
    try {
      if (!lock.tryLock(remainingNanos(deadline), TimeUnit.NANOSECONDS)) {
        throw timeout("waiting for earlier writes of this manager");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException.Unavailable("interrupted while waiting to write", e);
    }
    try {
      StoreTx tx = new StoreTx(stateMachine.state());
      R result;
      try {
        result = fn.apply(tx);
      } finally {
        tx.close();
      }
      if (!tx.hasWrites()) {
        return new Run<>(result, null);
      }
      ApplyResult outcome = replicate(tx.toProposal(cfg.clock().millis()), deadline);
      return switch (outcome.kind()) {
        case APPLIED -> new Run<>(result, null);
        case CONFLICT -> new Run<>(null, outcome.detail());
        case REJECTED ->
            throw new IllegalStateException("the store rejected a write: " + outcome.detail());
      };
    } finally {
      lock.unlock();
    }
  }

  /**
   * Replicates a ready-made proposal outside the update path (no transaction, no retry, no lock):
   * how a test plays a write that reaches the log from another proposer.
   */
  ApplyResult propose(StoreProposal proposal) throws StoreException {
    return replicate(proposal, System.nanoTime() + cfg.commitTimeout().toNanos());
  }

  /**
   * Replicates a ready-made batch as one entry, past the batcher: how a test pins down what one
   * entry holds.
   */
  List<ApplyResult> proposeBatch(StoreBatch batch) throws Exception {
    return submit(batch).get(cfg.commitTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Hands one proposal to the batcher and waits until the entry carrying it is applied here;
   * submits it again while the leader is not ready yet.
   */
  private ApplyResult replicate(StoreProposal proposal, long deadline) throws StoreException {
    while (true) {
      checkUsable();
      CompletableFuture<ApplyResult> result = batcher.submit(proposal);
      try {
        return result.get(Math.max(0, remainingNanos(deadline)), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        result.cancel(false);
        throw timeout("the Raft leader has no quorum or the disk is stalled");
      } catch (InterruptedException e) {
        result.cancel(false);
        Thread.currentThread().interrupt();
        throw new StoreException.Unavailable(
            "interrupted while waiting for a write to commit; it may still be applied", e);
      } catch (ExecutionException e) {
        Throwable error = e.getCause();
        if (!(error instanceof RaftException raft) || !retryable(raft)) {
          throw failure(error);
        }
        if (remainingNanos(deadline) <= 0) {
          throw timeout(raft.getMessage());
        }
        pause(NOT_READY_PAUSE_MS);
      }
    }
  }

  /** The batcher's sink: submits one entry to the local Raft server. */
  private CompletableFuture<List<ApplyResult>> submit(StoreBatch batch) {
    RaftClientRequest request = localRequest(
        Message.valueOf(UnsafeByteOperations.unsafeWrap(batch.toByteArray())), RaftClientRequest.writeRequestType());
    CompletableFuture<RaftClientReply> reply;
    try {
      reply = server.submitClientRequestAsync(request);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return reply.thenApply(
        r -> {
          if (!r.isSuccess()) {
            throw new CompletionException(
                r.getException() != null
                    ? r.getException()
                    : new IllegalStateException("the Raft server failed a write without a reason"));
          }
          return ApplyResult.decodeAll(r.getMessage().getContent().toByteArray());
        });
  }

  /**
   * A read request to the local server: with the linearizable read option ({@link RaftSettings}) a
   * follower asks the leader for its commit index and completes the request once it has applied
   * that far; the state machine's query itself returns nothing.
   */
  @Override
  public void awaitCaughtUp(Duration timeout) throws StoreException {
    checkUsable();
    if (isLeader()) {
      return;
    }
    RaftClientRequest request = localRequest(Message.EMPTY, RaftClientRequest.readRequestType());
    CompletableFuture<RaftClientReply> reply;
    try {
      reply = server.submitClientRequestAsync(request);
    } catch (IOException e) {
      throw new StoreException.Unavailable("this manager cannot read from the Raft leader: " + e.getMessage(), e);
    }
    RaftClientReply answered;
    try {
      answered = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      reply.cancel(false);
      throw new StoreException.Unavailable(
          "no Raft leader confirmed this manager's copy of the store within " + timeout.toMillis()
              + " ms; the managers may have lost their quorum");
    } catch (InterruptedException e) {
      reply.cancel(false);
      Thread.currentThread().interrupt();
      throw new StoreException.Unavailable("interrupted while catching up with the Raft leader", e);
    } catch (ExecutionException e) {
      throw new StoreException.Unavailable(
          "this manager could not catch up with the Raft leader: " + e.getCause().getMessage(), e.getCause());
    }
    if (!answered.isSuccess()) {
      String why = answered.getException() == null ? "no reason given" : answered.getException().getMessage();
      throw new StoreException.Unavailable("this manager could not catch up with the Raft leader: " + why);
    }
  }

  /** A request of this store's client to the local Raft server. */
  private RaftClientRequest localRequest(Message message, RaftClientRequest.Type type) {
    return RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(server.getId())
        .setGroupId(groupId)
        .setCallId(callIds.incrementAndGet())
        .setMessage(message)
        .setType(type)
        .build();
  }

  /** Failures that say nothing was appended and a leader is (about to be) here. */
  private boolean retryable(RaftException error) {
    if (error instanceof NotLeaderException nle) {
      RaftPeer suggested = nle.getSuggestedLeader();
      return suggested == null || suggested.getId().equals(server.getId());
    }
    return error instanceof LeaderNotReadyException
        || error instanceof LeaderSteppingDownException
        || error instanceof ResourceUnavailableException
        || error instanceof ServerNotReadyException;
  }

  private StoreException failure(Throwable error) {
    if (stateMachine.failure().isPresent()) {
      return stateMachine.failure().get();
    }
    if (error instanceof StoreException se) {
      return se;
    }
    if (error instanceof NotLeaderException nle && nle.getSuggestedLeader() != null) {
      String leader = nle.getSuggestedLeader().getId().toString();
      return new StoreException.NotLeader(
          "this manager is not the Raft leader; the leader is " + leader, leader);
    }
    if (closed.get() || error instanceof AlreadyClosedException) {
      return new StoreException.Unavailable("the cluster store is shut down", error);
    }
    return new StoreException.Unavailable(
        "the cluster store could not commit a write: " + rootMessage(error), error);
  }

  private StoreException.Unavailable timeout(String why) {
    return new StoreException.Unavailable(
        "a write was not committed within "
            + cfg.commitTimeout().toMillis()
            + " ms ("
            + why
            + "); it may still be applied later");
  }

  private void checkUsable() throws StoreException {
    if (stateMachine.failure().isPresent()) {
      throw stateMachine.failure().get();
    }
    if (closed.get()) {
      throw new StoreException.Unavailable("the cluster store is shut down");
    }
  }

  @Override
  public StoreMembership membership() {
    return membership;
  }

  /**
   * Waits until this peer leads and accepts writes, or follows a known leader. Use on a manager
   * restarting into a group of several, where it may never lead.
   *
   * @return whether a leader was known before {@code timeout}
   */
  public boolean awaitAnyLeader(Duration timeout) throws StoreException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (remainingNanos(deadline) > 0) {
      checkUsable();
      DivisionInfo info = info();
      if (info != null && (info.isLeader() ? info.isLeaderReady() : info.getLeaderId() != null)) {
        return true;
      }
      pause(LEADER_POLL_MS);
    }
    return false;
  }

  @Override
  public Subscription watch(Consumer<StoreEvent> listener) {
    return watchers.add(listener);
  }

  @Override
  public boolean isLeader() {
    DivisionInfo info = info();
    return info != null && info.isLeader() && info.isLeaderReady();
  }

  private DivisionInfo info() {
    if (closed.get()) {
      return null;
    }
    try {
      return server.getDivision(groupId).getInfo();
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void awaitLeader(Duration timeout) throws StoreException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      checkUsable();
      DivisionInfo info = info();
      if (info == null || !info.isAlive()) {
        throw new StoreException.Unavailable("the Raft server of the cluster store has stopped");
      }
      if (info.isLeader() && info.isLeaderReady()) {
        return;
      }
      if (remainingNanos(deadline) <= 0) {
        throw new StoreException.Unavailable(
            "this manager did not become the Raft leader within "
                + timeout.toMillis()
                + " ms (role "
                + info.getCurrentRole()
                + ", leader "
                + (info.getLeaderId() == null ? "unknown" : info.getLeaderId())
                + ")");
      }
      pause(LEADER_POLL_MS);
    }
  }

  private static void pause(long ms) throws StoreException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException.Unavailable("interrupted while waiting for the Raft leader", e);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    batcher.close();
    closeQuietly(server);
    watchers.close();
    log.info("cluster store stopped: peer {}", cfg.peerId());
  }

  private static void closeQuietly(RaftServer server) {
    if (server == null) {
      return;
    }
    try {
      server.close();
    } catch (IOException | RuntimeException e) {
      log.warn("error while stopping the Raft server", e);
    }
  }

  private static long remainingNanos(long deadline) {
    return deadline - System.nanoTime();
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }
}
