package io.baton.store;

import static io.baton.store.StoreFixture.CLUSTER_ID;
import static io.baton.store.StoreFixture.LEADER_TIMEOUT;
import static io.baton.store.StoreFixture.addToLabel;
import static io.baton.store.StoreFixture.cluster;
import static io.baton.store.StoreFixture.config;
import static io.baton.store.StoreFixture.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baton.api.Cluster;
import io.baton.api.ClusterSpec;
import io.baton.api.Node;
import io.baton.api.store.ObjectKind;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.server.raftlog.RaftLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@Timeout(60)
class RatisClusterStoreTest {

  private static final Logger log = LoggerFactory.getLogger(RatisClusterStoreTest.class);

  @TempDir Path dir;
  private RatisClusterStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void bootstrapsWritesAndReadsBack() throws Exception {
    MutableClock clock = new MutableClock(1_000);
    StoreConfig cfg = config(dir).withClock(clock);
    long start = System.nanoTime();
    store = RatisClusterStore.bootstrap(cfg, CLUSTER_ID);
    store.awaitLeader(LEADER_TIMEOUT);
    log.info("bootstrap() to awaitLeader() returning: {} ms", (System.nanoTime() - start) / 1_000_000);
    assertThat(store.isLeader()).isTrue();

    String result =
        store.update(
            tx -> {
              tx.put(cluster());
              tx.put(node("b"));
              tx.put(node("a"));
              return "done";
            });

    assertThat(result).isEqualTo("done");
    ReadView v = store.view();
    Cluster c = v.cluster().orElseThrow();
    assertThat(c.getId()).isEqualTo(CLUSTER_ID);
    assertThat(c.getMeta().getVersion()).isPositive().isLessThanOrEqualTo(v.appliedIndex());
    assertThat(c.getMeta().getCreatedAtMs()).isEqualTo(1_000);
    assertThat(c.getMeta().getUpdatedAtMs()).isEqualTo(1_000);
    assertThat(v.nodes()).extracting(Node::getId).containsExactly("a", "b");
    assertThat(v.node("a").orElseThrow().getMeta().getVersion()).isEqualTo(c.getMeta().getVersion());
    assertThat(v.node("zz")).isEmpty();

    clock.set(5_000);
    store.update(
        tx -> {
          Cluster old = tx.cluster().orElseThrow();
          tx.put(old.toBuilder().setSpec(ClusterSpec.newBuilder().setHeartbeatPeriodMs(42)).build());
          return null;
        });
    Cluster updated = store.view().cluster().orElseThrow();
    assertThat(updated.getSpec().getHeartbeatPeriodMs()).isEqualTo(42);
    assertThat(updated.getMeta().getCreatedAtMs()).isEqualTo(1_000);
    assertThat(updated.getMeta().getUpdatedAtMs()).isEqualTo(5_000);
    assertThat(updated.getMeta().getVersion()).isGreaterThan(c.getMeta().getVersion());
    assertThat(v.cluster().orElseThrow()).as("an old view does not change").isEqualTo(c);
  }

  @Test
  void transactionReadsItsOwnWrites() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    store.update(tx -> put(tx, node("a"), node("b")));

    List<String> seen =
        store.update(
            tx -> {
              tx.put(node("c"));
              tx.deleteNode("a");
              assertThat(tx.node("c")).isPresent();
              assertThat(tx.node("a")).isEmpty();
              return tx.nodes().stream().map(Node::getId).toList();
            });

    assertThat(seen).containsExactly("b", "c");
    assertThat(store.view().nodes()).extracting(Node::getId).containsExactly("b", "c");
  }

  @Test
  void updateWithoutWritesIsNotReplicated() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    store.update(tx -> put(tx, node("a")));
    RaftLog raftLog = store.division().getRaftLog();
    long before = raftLog.getLastEntryTermIndex().getIndex();

    int count = store.update(tx -> tx.nodes().size());

    assertThat(count).isEqualTo(1);
    long after = raftLog.getLastEntryTermIndex().getIndex();
    for (long i = before + 1; i <= after; i++) {
      assertThat(raftLog.get(i).hasStateMachineLogEntry()).as("entry %d", i).isFalse();
    }
  }

  @Test
  void exceptionOfTheUpdateFunctionPropagatesAndWritesNothing() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    long before = store.view().appliedIndex();

    assertThatThrownBy(
            () ->
                store.update(
                    tx -> {
                      tx.put(node("a"));
                      throw new IllegalArgumentException("no such thing");
                    }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no such thing");
    assertThat(store.view().nodes()).isEmpty();
    assertThat(store.view().appliedIndex()).isEqualTo(before);
  }

  @Test
  void deletesNodes() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    store.update(tx -> put(tx, node("a"), node("b"), node("c")));

    store.update(
        tx -> {
          tx.deleteNode("b");
          tx.deleteNode("not-there");
          return null;
        });

    assertThat(store.view().nodes()).extracting(Node::getId).containsExactly("a", "c");
    assertThat(store.view().node("b")).isEmpty();
  }

  @Test
  void watchDeliversChangesInLogOrder() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    List<StoreEvent> events = new CopyOnWriteArrayList<>();
    ClusterStore.Subscription sub = store.watch(events::add);

    store.update(tx -> put(tx, node("a"), node("b")));
    for (int i = 0; i < 10; i++) {
      addToLabel(store, "a", "n", 1);
    }
    store.update(tx -> tx.nodes().size());
    store.update(
        tx -> {
          tx.deleteNode("b");
          return null;
        });

    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 12);
    assertThat(events).extracting(StoreEvent::index).isSorted().doesNotHaveDuplicates();
    StoreEvent first = events.get(0);
    assertThat(first.changed())
        .extracting(o -> o.getNode().getId())
        .containsExactly("a", "b");
    assertThat(first.changed())
        .allSatisfy(o -> assertThat(o.getNode().getMeta().getVersion()).isEqualTo(first.index()));
    assertThat(events.get(10).changed())
        .singleElement()
        .extracting(o -> o.getNode().getSpec().getLabelsOrThrow("n"))
        .isEqualTo("10");
    StoreEvent last = events.get(11);
    assertThat(last.changed()).isEmpty();
    assertThat(last.deleted()).singleElement().satisfies(ref -> {
      assertThat(ref.getKind()).isEqualTo(ObjectKind.OBJECT_KIND_NODE);
      assertThat(ref.getId()).isEqualTo("b");
    });
    assertThat(last.index()).isLessThanOrEqualTo(store.view().appliedIndex());

    sub.close();
    store.update(tx -> put(tx, node("c")));
    Thread.sleep(200);
    assertThat(events).hasSize(12);
  }

  @Test
  void watchListenerFailureDoesNotStopDeliveries() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    List<Long> seen = new CopyOnWriteArrayList<>();
    store.watch(
        e -> {
          throw new IllegalStateException("listener bug");
        });
    store.watch(e -> seen.add(e.index()));

    store.update(tx -> put(tx, node("a")));
    store.update(tx -> put(tx, node("b")));

    await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
  }

  @Test
  void listenerMayCloseTheStore() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    AtomicInteger calls = new AtomicInteger();
    store.watch(
        e -> {
          calls.incrementAndGet();
          store.close();
        });

    try {
      store.update(tx -> put(tx, node("a")));
    } catch (StoreException.Unavailable closedBeforeTheReply) {
      log.info("the store closed before the reply: {}", closedBeforeTheReply.getMessage());
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> !store.isLeader());
    assertThatThrownBy(() -> store.update(tx -> put(tx, node("b"))))
        .isInstanceOf(StoreException.Unavailable.class);
    assertThat(calls.get()).isEqualTo(1);
  }

  @Test
  void concurrentUpdatersOfOneNodeLoseNoIncrement() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    store.update(tx -> put(tx, node("n1")));
    AtomicInteger runs = new AtomicInteger();
    Runnable incrementer =
        () -> {
          for (int i = 0; i < 50; i++) {
            try {
              store.update(
                  tx -> {
                    runs.incrementAndGet();
                    Node n = tx.node("n1").orElseThrow();
                    int v = Integer.parseInt(n.getSpec().getLabelsOrDefault("count", "0"));
                    tx.put(
                        n.toBuilder()
                            .setSpec(
                                n.getSpec().toBuilder()
                                    .putLabels("count", Integer.toString(v + 1)))
                            .build());
                    return null;
                  });
            } catch (StoreException e) {
              throw new AssertionError(e);
            }
          }
        };
    Thread t1 = new Thread(incrementer, "incrementer-1");
    Thread t2 = new Thread(incrementer, "incrementer-2");
    t1.start();
    t2.start();
    t1.join();
    t2.join();

    Node n = store.view().node("n1").orElseThrow();
    assertThat(n.getSpec().getLabelsOrThrow("count")).isEqualTo("100");
    assertThat(runs.get()).isGreaterThanOrEqualTo(100);
  }

  @Test
  void conflictingWriteFromElsewhereMakesTheUpdateRunAgain() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    store.update(tx -> put(tx, node("n1")));
    AtomicInteger runs = new AtomicInteger();

    store.update(
        tx -> {
          if (runs.incrementAndGet() == 1) {
            writeElsewhere("n1", "other", "1");
          }
          Node n = tx.node("n1").orElseThrow();
          tx.put(n.toBuilder().setSpec(n.getSpec().toBuilder().putLabels("mine", "1")).build());
          return null;
        });

    assertThat(runs.get()).isEqualTo(2);
    assertThat(store.view().node("n1").orElseThrow().getSpec().getLabelsMap())
        .containsEntry("other", "1")
        .containsEntry("mine", "1");
  }

  @Test
  void updateGivesUpWithConflictWhenEveryRunMeetsAConcurrentWrite() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    store.update(tx -> put(tx, node("n1")));
    AtomicInteger runs = new AtomicInteger();

    assertThatThrownBy(
            () ->
                store.update(
                    tx -> {
                      writeElsewhere("n1", "other", Integer.toString(runs.incrementAndGet()));
                      Node n = tx.node("n1").orElseThrow();
                      tx.put(n.toBuilder().setRole(n.getRole()).build());
                      return null;
                    }))
        .isInstanceOf(StoreException.Conflict.class)
        .hasMessageContaining("node n1")
        .hasMessageContaining("5 attempts");
    assertThat(runs.get()).isEqualTo(RatisClusterStore.MAX_ATTEMPTS);
  }

  @Test
  void transactionRefusesMisuse() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    store.update(tx -> put(tx, cluster()));
    Tx[] leaked = new Tx[1];

    store.update(
        tx -> {
          leaked[0] = tx;
          return null;
        });

    assertThatThrownBy(() -> leaked[0].put(node("x"))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () -> store.update(tx -> put(tx, Cluster.newBuilder().setId("another").build())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cluster id cannot change");
    assertThatThrownBy(() -> store.update(tx -> put(tx, node(""))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.update(tx -> nestedUpdate()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closedStoreRefusesWritesAsUnavailable() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    store.update(tx -> put(tx, node("a")));
    long start = System.nanoTime();
    store.close();
    long closeMs = (System.nanoTime() - start) / 1_000_000;
    log.info("close() took {} ms", closeMs);

    assertThat(closeMs).isLessThan(5_000);
    assertThatThrownBy(() -> store.update(tx -> put(tx, node("b"))))
        .isInstanceOf(StoreException.Unavailable.class)
        .hasMessageContaining("shut down");
    assertThatThrownBy(() -> store.awaitLeader(Duration.ofSeconds(1)))
        .isInstanceOf(StoreException.Unavailable.class);
    assertThat(store.isLeader()).isFalse();
    assertThat(store.view().node("a")).isPresent();
    store.close();
  }

  @Test
  void bootstrapRefusesExistingStorage() throws Exception {
    StoreConfig cfg = config(dir);
    store = StoreFixture.bootstrapped(cfg);
    store.close();
    store = null;

    assertThatThrownBy(() -> RatisClusterStore.bootstrap(cfg, CLUSTER_ID))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already exists");
  }

  private Object nestedUpdate() {
    try {
      return store.update(inner -> null);
    } catch (StoreException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void busyRaftPortIsReportedAsUnavailable() throws Exception {
    StoreConfig cfg = config(dir);
    try (ServerSocket taken =
        new ServerSocket(cfg.raftAddress().getPort(), 1, cfg.raftAddress().getAddress())) {
      assertThatThrownBy(() -> store = RatisClusterStore.bootstrap(cfg, CLUSTER_ID))
          .isInstanceOf(StoreException.Unavailable.class)
          .hasMessageContaining(Integer.toString(cfg.raftAddress().getPort()));
    }

    store = StoreFixture.bootstrapped(cfg);
    store.update(tx -> put(tx, node("a")));
    assertThat(store.view().node("a")).isPresent();
  }

  /** Plays another proposer: a write to node {@code id} that lands between a read and a write. */
  private void writeElsewhere(String id, String key, String value) {
    StoreTx other = new StoreTx((StoreState) store.view());
    Node n = other.node(id).orElseThrow();
    other.put(n.toBuilder().setSpec(n.getSpec().toBuilder().putLabels(key, value)).build());
    try {
      assertThat(store.propose(other.toProposal(0)).kind()).isEqualTo(ApplyResult.Kind.APPLIED);
    } catch (StoreException e) {
      throw new AssertionError(e);
    }
  }

  private static Object put(Tx tx, Object... objects) {
    for (Object o : objects) {
      if (o instanceof Node n) {
        tx.put(n);
      } else {
        tx.put((Cluster) o);
      }
    }
    return null;
  }

  /** A clock the test moves by hand. */
  static final class MutableClock extends Clock {
    private volatile long millis;

    MutableClock(long millis) {
      this.millis = millis;
    }

    void set(long newMillis) {
      millis = newMillis;
    }

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
