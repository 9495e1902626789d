package io.baton.store;

import static io.baton.store.StoreFixture.CLUSTER_ID;
import static io.baton.store.StoreFixture.LEADER_TIMEOUT;
import static io.baton.store.StoreFixture.addToLabel;
import static io.baton.store.StoreFixture.config;
import static io.baton.store.StoreFixture.node;
import static io.baton.store.StoreTxTest.bigTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.baton.api.Node;
import io.baton.api.store.StoreAction;
import io.baton.api.store.StoreBatch;
import io.baton.api.store.StoreProposal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.server.raftlog.RaftLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent updates on the Ratis store: shared entries, independent outcomes, replay. */
@Timeout(120)
class BatchedWritesTest {

  @TempDir Path dir;
  private RatisClusterStore store;
  private ExecutorService pool;

  @AfterEach
  void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void concurrentUpdatesAreEachAppliedOnceAndShareEntries() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    List<StoreEvent> events = new CopyOnWriteArrayList<>();
    store.watch(events::add);
    int threads = 32;
    int perThread = 25;
    store.update(
        tx -> {
          for (int t = 0; t < threads; t++) {
            tx.put(node(counter(t)));
          }
          return null;
        });
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
    events.clear();

    runConcurrently(
        threads,
        t -> {
          for (int i = 0; i < perThread; i++) {
            String id = String.format("t%02d-%03d", t, i);
            int expected = i + 1;
            String returned =
                store.update(
                    tx -> {
                      tx.put(node(id));
                      Node c = tx.node(counter(t)).orElseThrow();
                      tx.put(withLabel(c, "n", Integer.toString(expected)));
                      return id;
                    });
            assertThat(returned).isEqualTo(id);
            assertThat(store.view().node(id)).as("read-your-writes of " + id).isPresent();
            assertThat(store.view().node(counter(t)).orElseThrow().getSpec().getLabelsOrThrow("n"))
                .isEqualTo(Integer.toString(expected));
          }
        });

    ReadView v = store.view();
    assertThat(v.nodes()).hasSize(threads + threads * perThread);
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == threads * perThread);
    List<String> written =
        events.stream()
            .flatMap(e -> e.changed().stream())
            .map(o -> o.getNode().getId())
            .filter(id -> !id.startsWith("counter"))
            .toList();
    assertThat(written).as("each update applied exactly once").doesNotHaveDuplicates();
    assertThat(written).hasSize(threads * perThread);
    assertThat(events).extracting(StoreEvent::index).isSorted();
    Set<Long> entries = events.stream().map(StoreEvent::index).collect(Collectors.toSet());
    assertThat(entries.size()).as("log entries carrying the updates").isLessThan(events.size());
    for (StoreEvent e : events) {
      assertThat(e.changed())
          .allSatisfy(o -> assertThat(o.getNode().getMeta().getVersion()).isEqualTo(e.index()));
    }
  }

  @Test
  void aConflictingProposalFailsAloneAndItsUpdateRunsAgain() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    store.update(tx -> put(tx, node("hot")));
    int threads = 12;
    int perThread = 15;
    AtomicInteger hotRuns = new AtomicInteger();

    runConcurrently(
        threads,
        t -> {
          for (int i = 0; i < perThread; i++) {
            if (t % 2 == 0) {
              store.update(
                  tx -> {
                    hotRuns.incrementAndGet();
                    Node hot = tx.node("hot").orElseThrow();
                    int n = Integer.parseInt(hot.getSpec().getLabelsOrDefault("n", "0"));
                    tx.put(withLabel(hot, "n", Integer.toString(n + 1)));
                    return null;
                  });
            } else {
              String id = String.format("own-%02d-%02d", t, i);
              store.update(tx -> put(tx, node(id)));
            }
          }
        });

    int hotUpdates = threads / 2 * perThread;
    assertThat(store.view().node("hot").orElseThrow().getSpec().getLabelsOrThrow("n"))
        .isEqualTo(Integer.toString(hotUpdates));
    assertThat(hotRuns.get()).as("conflicting runs were retried").isGreaterThan(hotUpdates);
    assertThat(store.view().nodes()).hasSize(1 + threads / 2 * perThread);
  }

  @Test
  void oneEntryAppliesItsProposalsEachOnItsOwn() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    store.update(tx -> put(tx, node("hot")));
    StoreState base = (StoreState) store.view();
    List<StoreEvent> events = new CopyOnWriteArrayList<>();
    store.watch(events::add);

    List<ApplyResult> results =
        store.proposeBatch(
            StoreBatch.newBuilder()
                .addProposals(proposalOn(base, tx -> tx.put(node("a"))))
                .addProposals(proposalOn(base, tx -> tx.put(withLabel(node("hot"), "by", "b"))))
                .addProposals(proposalOn(base, tx -> tx.put(withLabel(node("hot"), "by", "c"))))
                .addProposals(
                    StoreProposal.newBuilder().addActions(StoreAction.getDefaultInstance()).build())
                .addProposals(proposalOn(base, tx -> tx.put(node("e"))))
                .build());

    assertThat(results)
        .extracting(ApplyResult::kind)
        .containsExactly(
            ApplyResult.Kind.APPLIED,
            ApplyResult.Kind.APPLIED,
            ApplyResult.Kind.CONFLICT,
            ApplyResult.Kind.REJECTED,
            ApplyResult.Kind.APPLIED);
    ReadView v = store.view();
    assertThat(v.nodes()).extracting(Node::getId).containsExactly("a", "e", "hot");
    assertThat(v.node("hot").orElseThrow().getSpec().getLabelsOrThrow("by")).isEqualTo("b");
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 3);
    long index = events.get(0).index();
    assertThat(index).isLessThanOrEqualTo(v.appliedIndex());
    assertThat(events).extracting(StoreEvent::index).containsOnly(index);
    assertThat(events)
        .extracting(e -> e.changed().get(0).getNode().getId())
        .containsExactly("a", "hot", "e");
  }

  @Test
  void entriesStayWithinTheSizeCap() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    ByteString payload = ByteString.copyFrom(new byte[600 * 1024]);
    int threads = 6;
    int perThread = 2;

    runConcurrently(
        threads,
        t -> {
          for (int i = 0; i < perThread; i++) {
            String id = String.format("big-%d-%d", t, i);
            store.update(
                tx -> {
                  tx.put(bigTask(id, payload));
                  return null;
                });
          }
        });
    assertThatThrownBy(
            () ->
                store.update(
                    tx -> {
                      for (int i = 0; i < 3; i++) {
                        tx.put(bigTask("too-big-" + i, payload));
                      }
                      return null;
                    }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1.5 MiB")
        .hasMessageContaining("nothing was written");

    assertThat(store.view().tasks()).hasSize(threads * perThread);
    RaftLog raftLog = store.division().getRaftLog();
    int proposals = 0;
    for (long i = raftLog.getStartIndex(); i <= raftLog.getLastEntryTermIndex().getIndex(); i++) {
      LogEntryProto entry = raftLog.get(i);
      if (entry.hasStateMachineLogEntry()) {
        byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
        assertThat(data.length).as("entry %d", i).isLessThanOrEqualTo(ClusterStore.MAX_PROPOSAL_BYTES);
        proposals += StoreBatch.parseFrom(data).getProposalsCount();
      }
    }
    assertThat(proposals).isEqualTo(threads * perThread);
  }

  @Test
  void aStalledLogFailsWaitingUpdatesAfterTheCommitTimeout() throws Exception {
    StallingCodec codec = new StallingCodec();
    StoreConfig cfg = config(dir).withCommitTimeout(Duration.ofMillis(500));
    store = RatisClusterStore.bootstrap(cfg, CLUSTER_ID, codec);
    store.awaitLeader(LEADER_TIMEOUT);
    store.update(tx -> put(tx, node("before")));
    codec.stall();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    long start = System.nanoTime();

    runConcurrently(
        8,
        t -> {
          try {
            store.update(tx -> put(tx, node("stalled-" + t)));
          } catch (StoreException e) {
            failures.add(e);
          }
        });
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    codec.release();

    assertThat(failures).hasSize(8);
    assertThat(failures)
        .allSatisfy(
            e ->
                assertThat(e)
                    .isInstanceOf(StoreException.Unavailable.class)
                    .hasMessageContaining("not committed within 500 ms"));
    assertThat(tookMs).isLessThan(5_000);
    store.update(tx -> put(tx, node("after")));
    assertThat(store.view().node("after")).isPresent();
  }

  @Test
  void restartReplaysBatchedEntries() throws Exception {
    StoreConfig cfg = config(dir);
    store = StoreFixture.bootstrapped(cfg);
    writeConcurrently();
    RestartTest.Snapshot before = RestartTest.Snapshot.of(store.view());
    store.close();

    store = StoreFixture.reopened(cfg);

    assertThat(store.stateMachineForTest().loadedSnapshotIndex()).isEqualTo(-1);
    assertThat(RestartTest.Snapshot.of(store.view())).isEqualTo(before);
    addToLabel(store, "hot", "n", 1);
    assertThat(store.view().node("hot").orElseThrow().getSpec().getLabelsOrThrow("n"))
        .isEqualTo("41");
  }

  @Test
  void restartFromASnapshotTakenBetweenBatchesReplaysTheRest() throws Exception {
    StoreConfig cfg = config(dir).withSnapshotEveryEntries(5);
    store = StoreFixture.bootstrapped(cfg);
    writeConcurrently();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> store.stateMachineForTest().getLatestSnapshot() != null);
    addToLabel(store, "hot", "after-snapshot", 1);
    RestartTest.Snapshot before = RestartTest.Snapshot.of(store.view());
    store.close();

    store = StoreFixture.reopened(cfg);

    assertThat(store.stateMachineForTest().loadedSnapshotIndex()).isPositive();
    assertThat(RestartTest.Snapshot.of(store.view())).isEqualTo(before);
  }

  @Test
  void anEntryWrittenBeforeBatchingIsAppliedAndReplayed() throws Exception {
    StoreConfig cfg = config(dir);
    store = StoreFixture.bootstrapped(cfg);
    StoreProposal bare = proposalOn((StoreState) store.view(), tx -> tx.put(node("old")));
    StoreBatch asWrittenThen = StoreBatch.parseFrom(bare.toByteArray());
    assertThat(asWrittenThen.toByteArray()).isEqualTo(bare.toByteArray());

    assertThat(store.proposeBatch(asWrittenThen)).containsExactly(ApplyResult.APPLIED);
    store.update(tx -> put(tx, node("new")));
    RestartTest.Snapshot before = RestartTest.Snapshot.of(store.view());
    store.close();
    store = StoreFixture.reopened(cfg);

    assertThat(store.view().nodes()).extracting(Node::getId).containsExactly("new", "old");
    assertThat(RestartTest.Snapshot.of(store.view())).isEqualTo(before);
  }

  /** 8 threads: half increment one node 10 times each (conflicts), half create 10 nodes each. */
  private void writeConcurrently() throws Exception {
    store.update(tx -> put(tx, node("hot")));
    runConcurrently(
        8,
        t -> {
          for (int i = 0; i < 10; i++) {
            if (t % 2 == 0) {
              addToLabel(store, "hot", "n", 1);
            } else {
              String id = String.format("n-%d-%d", t, i);
              String label = Integer.toString(i);
              store.update(tx -> put(tx, withLabel(node(id), "i", label)));
            }
          }
        });
    StoreState base = (StoreState) store.view();
    store.proposeBatch(
        StoreBatch.newBuilder()
            .addProposals(proposalOn(base, tx -> tx.deleteNode("n-1-0")))
            .addProposals(proposalOn(base, tx -> tx.put(withLabel(node("n-1-0"), "x", "1"))))
            .addProposals(proposalOn(base, tx -> tx.put(node("in-batch"))))
            .build());
    assertThat(store.view().node("n-1-0")).isEmpty();
    assertThat(store.view().node("in-batch")).isPresent();
    assertThat(store.view().node("hot").orElseThrow().getSpec().getLabelsOrThrow("n"))
        .isEqualTo("40");
  }

  @FunctionalInterface
  private interface Body {
    void run(int thread) throws Exception;
  }

  /** Runs {@code body} on {@code threads} threads started together; rethrows the first failure. */
  private void runConcurrently(int threads, Body body) throws Exception {
    pool = Executors.newFixedThreadPool(threads);
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      done.add(
          pool.submit(
              () -> {
                start.await();
                body.run(thread);
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
  }

  private static StoreProposal proposalOn(StoreState base, java.util.function.Consumer<Tx> writes) {
    StoreTx tx = new StoreTx(base);
    writes.accept(tx);
    return tx.toProposal(0);
  }

  private static String counter(int thread) {
    return String.format("counter-%02d", thread);
  }

  private static Node withLabel(Node n, String key, String value) {
    return n.toBuilder().setSpec(n.getSpec().toBuilder().putLabels(key, value)).build();
  }

  private static Object put(Tx tx, Node n) {
    tx.put(n);
    return null;
  }

  /** Writes entries through unchanged, except that {@link #stall} holds every write back. */
  private static final class StallingCodec implements PayloadCodec {
    private volatile CountDownLatch gate = new CountDownLatch(0);

    void stall() {
      gate = new CountDownLatch(1);
    }

    void release() {
      gate.countDown();
    }

    @Override
    public byte[] encode(byte[] plain) {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return plain;
    }

    @Override
    public byte[] decode(byte[] stored) {
      return stored;
    }
  }
}
