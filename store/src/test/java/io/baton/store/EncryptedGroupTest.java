package io.baton.store;

import static io.baton.store.StoreFixture.CLUSTER_ID;
import static io.baton.store.StoreFixture.addToLabel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.api.Cluster;
import io.baton.store.encryption.DataKeys;
import io.baton.store.encryption.EncryptedCodec;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group of encrypted peers, each with its own codec holding the cluster's data keys: entries
 * replicate across a key rotation, and a manager that joins later, with only the ring it was given
 * at join, installs the leader's encrypted snapshot (Ratis pauses and reinitializes the state
 * machine for it) and reads the entries after it.
 */
@Timeout(120)
class EncryptedGroupTest {
  @TempDir Path dir;
  private final SecureRandom random = new SecureRandom();
  private final List<RatisClusterStore> peers = new ArrayList<>();

  @AfterEach
  void closeAll() {
    peers.forEach(RatisClusterStore::close);
  }

  private StoreConfig config(String id) {
    StoreConfig base = StoreFixture.config(dir.resolve(id));
    return new StoreConfig(base.raftDir(), id, base.raftAddress(), base.tls(), Duration.ofSeconds(10), 4,
        base.clock());
  }

  private EncryptedCodec codec(DataKeys keys) {
    return new EncryptedCodec(keys, k -> {}, random);
  }

  private static String address(StoreConfig cfg) {
    InetSocketAddress a = cfg.raftAddress();
    return a.getHostString() + ":" + a.getPort();
  }

  @Test
  void aLateManagerWithTheCurrentRingCatchesUpAcrossARotation() throws Exception {
    DataKeys first = DataKeys.first(random, 0);
    StoreConfig m1 = config("m1");
    RatisClusterStore leader = RatisClusterStore.bootstrap(m1, CLUSTER_ID, codec(first));
    peers.add(leader);
    leader.awaitLeader(StoreFixture.LEADER_TIMEOUT);
    leader.update(tx -> {
      tx.put(Cluster.newBuilder().setId(CLUSTER_ID).addAllDataKeys(first.keys()).build());
      tx.put(StoreFixture.node("n1"));
      return null;
    });
    StoreConfig m2 = config("m2");
    peers.add(RatisClusterStore.join(m2, CLUSTER_ID, codec(first)));
    leader.membership().addMember("m2", address(m2));

    DataKeys rotated = first.rotated(random, 1);
    leader.update(tx -> {
      tx.put(tx.cluster().orElseThrow().toBuilder().clearDataKeys().addAllDataKeys(rotated.keys()).build());
      return null;
    });
    for (int i = 0; i < 40; i++) {
      addToLabel(leader, "n1", "count", 1);
    }

    StoreConfig m3 = config("m3");
    RatisClusterStore late = RatisClusterStore.join(m3, CLUSTER_ID, codec(rotated));
    peers.add(late);
    leader.membership().addMember("m3", address(m3));

    for (RatisClusterStore peer : peers) {
      await().atMost(Duration.ofSeconds(30)).until(() -> peer.view().node("n1")
          .map(n -> "40".equals(n.getSpec().getLabelsMap().get("count"))).orElse(false));
    }
    assertThat(late.view().cluster().orElseThrow().getDataKeysCount()).isEqualTo(2);
    assertThat(late.stateMachineForTest().loadedSnapshotIndex())
        .as("the late manager installed the leader's encrypted snapshot").isPositive();
  }
}
