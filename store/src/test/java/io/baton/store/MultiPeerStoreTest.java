package io.baton.store;

import static io.baton.store.StoreFixture.CLUSTER_ID;
import static io.baton.store.StoreFixture.LEADER_TIMEOUT;
import static io.baton.store.StoreFixture.cluster;
import static io.baton.store.StoreFixture.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baton.api.Node;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Several store peers in one JVM on loopback, with mutual TLS 1.3 between them. */
@Timeout(120)
class MultiPeerStoreTest {

  @TempDir Path dir;
  private final List<RatisClusterStore> peers = new ArrayList<>();

  @AfterEach
  void closeAll() {
    peers.forEach(RatisClusterStore::close);
  }

  private StoreConfig config(String id) {
    StoreConfig base = StoreFixture.config(dir.resolve(id));
    return new StoreConfig(
        base.raftDir(),
        id,
        base.raftAddress(),
        base.tls(),
        Duration.ofSeconds(5),
        base.snapshotEveryEntries(),
        base.clock());
  }

  private static String address(StoreConfig cfg) {
    InetSocketAddress a = cfg.raftAddress();
    return a.getHostString() + ":" + a.getPort();
  }

  /** A group of {@code n} peers: m1 bootstrapped, the others joined and added by the leader. */
  private List<StoreConfig> group(int n) throws StoreException {
    List<StoreConfig> configs = new ArrayList<>();
    StoreConfig first = config("m1");
    configs.add(first);
    RatisClusterStore leader = StoreFixture.bootstrapped(first);
    peers.add(leader);
    leader.update(tx -> { tx.put(cluster()); return null; });
    for (int i = 2; i <= n; i++) {
      StoreConfig cfg = config("m" + i);
      configs.add(cfg);
      peers.add(RatisClusterStore.join(cfg, CLUSTER_ID));
      leader.membership().addMember(cfg.peerId(), address(cfg));
    }
    return configs;
  }

  private Optional<RatisClusterStore> leader() {
    return peers.stream().filter(RatisClusterStore::isLeader).findFirst();
  }

  @Test
  void threePeersReplicateAndElectANewLeaderWhenTheLeaderStops() throws Exception {
    group(3);
    RatisClusterStore first = peers.get(0);
    assertThat(first.membership().members()).extracting(StoreMembership.Member::id)
        .containsExactlyInAnyOrder("m1", "m2", "m3");

    first.update(tx -> { tx.put(node("n1")); return null; });
    for (RatisClusterStore p : peers) {
      await().atMost(Duration.ofSeconds(10)).until(() -> p.view().node("n1").isPresent());
    }
    assertThat(peers.get(1).membership().leaderId()).contains("m1");

    first.close();
    peers.remove(first);
    await().atMost(Duration.ofSeconds(15)).until(() -> leader().isPresent());
    RatisClusterStore next = leader().orElseThrow();
    next.update(tx -> { tx.put(node("n2")); return null; });
    for (RatisClusterStore p : peers) {
      await().atMost(Duration.ofSeconds(10)).until(() -> p.view().node("n2").isPresent());
    }
    assertThat(next.membership().members())
        .filteredOn(m -> m.id().equals("m1"))
        .singleElement()
        .satisfies(m -> assertThat(m.reachability())
            .isIn(StoreMembership.Reachability.UNREACHABLE, StoreMembership.Reachability.REACHABLE));
  }

  /**
   * Ten times: stop the leader abruptly while writes go on, restart it from its disk, continue.
   * Every write acknowledged to its caller must be present at the end, and retried increments
   * must not be applied twice beyond the attempts that may have committed unacknowledged.
   */
  @Test
  void acknowledgedWritesSurviveTenLeaderLosses() throws Exception {
    List<StoreConfig> configs = group(3);
    java.util.Set<String> acknowledged = new java.util.HashSet<>();
    int counterAcked = 0;
    int counterAttempts = 0;
    int next = 0;
    for (int round = 0; round < 10; round++) {
      for (int i = 0; i < 110; i++) {
        String id = "w-" + next++;
        while (true) {
          RatisClusterStore leader = awaitLeader();
          try {
            leader.update(tx -> {
              tx.put(node(id));
              Node c = tx.node("counter").orElse(node("counter"));
              int v = Integer.parseInt(c.getSpec().getLabelsOrDefault("n", "0"));
              tx.put(c.toBuilder().setSpec(c.getSpec().toBuilder().putLabels("n", Integer.toString(v + 1))).build());
              return null;
            });
            counterAttempts++;
            counterAcked++;
            acknowledged.add(id);
            break;
          } catch (StoreException e) {
            counterAttempts++;
          }
        }
      }
      RatisClusterStore leader = awaitLeader();
      int index = peers.indexOf(leader);
      leader.close();
      peers.set(index, RatisClusterStore.open(configs.get(index), CLUSTER_ID));
    }
    RatisClusterStore leader = awaitLeader();
    for (RatisClusterStore p : peers) {
      await().atMost(Duration.ofSeconds(20))
          .until(() -> p.view().appliedIndex() >= leader.view().appliedIndex());
    }
    assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(1000);
    for (RatisClusterStore p : peers) {
      for (String id : acknowledged) {
        assertThat(p.view().node(id)).as("acknowledged write " + id).isPresent();
      }
      int counter = Integer.parseInt(
          p.view().node("counter").orElseThrow().getSpec().getLabelsOrDefault("n", "0"));
      assertThat(counter).isBetween(counterAcked, counterAttempts);
    }
  }

  private RatisClusterStore awaitLeader() {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10))
        .until(this::leader, Optional::isPresent).orElseThrow();
  }

  @Test
  void fivePeersCommitWithTwoDown() throws Exception {
    group(5);
    RatisClusterStore leader = peers.get(0);
    peers.get(3).close();
    peers.get(4).close();
    leader.update(tx -> { tx.put(node("n1")); return null; });
    await().atMost(Duration.ofSeconds(10)).until(() -> peers.get(2).view().node("n1").isPresent());
  }

  @Test
  void aFollowerRefusesWritesAndNamesTheLeader() throws Exception {
    group(3);
    RatisClusterStore follower = peers.get(1);
    await().atMost(LEADER_TIMEOUT).until(() -> follower.membership().leaderId().isPresent());
    assertThatThrownBy(() -> follower.update(tx -> { tx.put(node("x")); return null; }))
        .isInstanceOf(StoreException.NotLeader.class)
        .satisfies(e -> assertThat(((StoreException.NotLeader) e).leaderHint()).contains("m1"));
    assertThatThrownBy(() -> follower.membership().removeMember("m1"))
        .isInstanceOf(StoreException.NotLeader.class);
  }

  @Test
  void aRemovedPeerNoLongerCountsTowardsQuorum() throws Exception {
    group(3);
    RatisClusterStore leader = peers.get(0);
    leader.membership().removeMember("m3");
    assertThat(leader.membership().members()).extracting(StoreMembership.Member::id)
        .containsExactlyInAnyOrder("m1", "m2");
    peers.get(2).close();
    leader.update(tx -> { tx.put(node("after-removal")); return null; });
    assertThat(leader.view().node("after-removal")).isPresent();
  }

  @Test
  void aGroupThatLostItsMajorityFailsWritesWithinTheCommitTimeout() throws Exception {
    group(3);
    RatisClusterStore leader = peers.get(0);
    peers.get(1).close();
    peers.get(2).close();
    long start = System.nanoTime();
    assertThatThrownBy(() -> leader.update(tx -> { tx.put(node("lost")); return null; }))
        .isInstanceOf(StoreException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
  }
}
