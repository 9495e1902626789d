package io.baton.store;

import static io.baton.store.StoreFixture.CLUSTER_ID;
import static io.baton.store.StoreFixture.LEADER_TIMEOUT;
import static io.baton.store.StoreFixture.cluster;
import static io.baton.store.StoreFixture.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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
