package io.baton.store;

import static io.baton.store.StoreFixture.addToLabel;
import static io.baton.store.StoreFixture.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baton.api.Cluster;
import io.baton.api.Node;
import io.baton.store.encryption.DataKeys;
import io.baton.store.encryption.EncryptedCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.ratis.util.MD5FileUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encryption at rest on a real Ratis store: nothing written under the Raft directory shows the
 * state in the clear, rotated keys keep old records readable, and an altered snapshot is refused
 * by its authentication tag even when its checksum was forged to match.
 */
@Timeout(90)
class EncryptedStoreTest {
  private static final String MARKER = "plaintext-marker-5e1f0c";

  @TempDir Path dir;
  private final SecureRandom random = new SecureRandom();
  private final List<DataKeys> persisted = new ArrayList<>();
  private RatisClusterStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private EncryptedCodec codec(DataKeys keys) {
    return new EncryptedCodec(keys, persisted::add, random);
  }

  private RatisClusterStore start(StoreConfig cfg, EncryptedCodec codec, boolean bootstrap) throws StoreException {
    RatisClusterStore s = bootstrap
        ? RatisClusterStore.bootstrap(cfg, StoreFixture.CLUSTER_ID, codec)
        : RatisClusterStore.open(cfg, StoreFixture.CLUSTER_ID, codec);
    s.awaitLeader(StoreFixture.LEADER_TIMEOUT);
    return s;
  }

  @Test
  void noStateAppearsInTheClearInTheLogOrSnapshotsAndAllSurvivesARestart() throws Exception {
    StoreConfig cfg = config(dir).withSnapshotEveryEntries(5);
    DataKeys keys = DataKeys.first(random, 0);
    store = start(cfg, codec(keys), true);
    store.update(tx -> {
      tx.put(Cluster.newBuilder().setId(StoreFixture.CLUSTER_ID).addAllDataKeys(keys.keys()).build());
      return null;
    });
    for (int i = 0; i < 12; i++) {
      int n = i;
      store.update(tx -> {
        tx.put(Node.newBuilder().setId("n" + n).setSpec(io.baton.api.NodeSpec.newBuilder()
            .putLabels("secret", MARKER + "-" + n)).build());
        return null;
      });
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> snapshots().size() > 0);
    long applied = store.view().appliedIndex();
    store.close();

    assertThat(filesContaining(MARKER.getBytes(StandardCharsets.UTF_8))).isEmpty();
    assertThat(filesContaining(keys.current().getKey().toByteArray())).as("no data key under raft/").isEmpty();

    store = start(cfg, codec(keys), false);
    await().atMost(Duration.ofSeconds(10)).until(() -> store.view().appliedIndex() >= applied);
    assertThat(store.view().node("n11").orElseThrow().getSpec().getLabelsMap()).containsEntry("secret", MARKER + "-11");
  }

  @Test
  void afterARotationNewEntriesUseTheNewKeyAndOldOnesStayReadable() throws Exception {
    StoreConfig cfg = config(dir);
    DataKeys first = DataKeys.first(random, 0);
    EncryptedCodec codec = codec(first);
    store = start(cfg, codec, true);
    Cluster cluster = Cluster.newBuilder().setId(StoreFixture.CLUSTER_ID).addAllDataKeys(first.keys()).build();
    store.update(tx -> {
      tx.put(cluster);
      tx.put(StoreFixture.node("n1"));
      return null;
    });
    addToLabel(store, "n1", "before", 1);
    DataKeys rotated = first.rotated(random, 1);
    store.update(tx -> {
      tx.put(tx.cluster().orElseThrow().toBuilder().clearDataKeys().addAllDataKeys(rotated.keys()).build());
      return null;
    });
    addToLabel(store, "n1", "after", 1);

    assertThat(codec.keys()).isEqualTo(rotated);
    assertThat(persisted).containsExactly(rotated);
    store.close();

    // A restart with only the first key cannot read what was written after the rotation...
    store = RatisClusterStore.open(cfg, StoreFixture.CLUSTER_ID, codec(first));
    // ...unless it replays the rotation entry first, which it does: the log is read in order.
    await().atMost(Duration.ofSeconds(10)).until(() -> store.view().node("n1")
        .map(n -> n.getSpec().getLabelsMap().containsKey("after")).orElse(false));
    store.close();
    store = start(cfg, codec(rotated), false);
    assertThat(store.view().node("n1").orElseThrow().getSpec().getLabelsMap()).containsKeys("before", "after");
  }

  @Test
  void anAlteredSnapshotIsRefusedEvenWithAMatchingChecksum() throws Exception {
    StoreConfig cfg = config(dir).withSnapshotEveryEntries(3);
    DataKeys keys = DataKeys.first(random, 0);
    store = start(cfg, codec(keys), true);
    store.update(tx -> {
      tx.put(StoreFixture.node("n1"));
      return null;
    });
    for (int i = 0; i < 6; i++) {
      addToLabel(store, "n1", "count", 1);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> snapshots().size() > 0);
    store.close();
    store = null;
    for (Path snapshot : snapshots()) {
      byte[] bytes = Files.readAllBytes(snapshot);
      bytes[bytes.length / 2] ^= 0x01;
      Files.write(snapshot, bytes);
      MD5FileUtil.computeAndSaveMd5ForFile(snapshot.toFile());
    }

    assertThatThrownBy(() -> RatisClusterStore.open(cfg, StoreFixture.CLUSTER_ID, codec(keys)))
        .isInstanceOf(StoreException.Corrupt.class)
        .hasMessageContaining("fails authentication");
  }

  private List<Path> snapshots() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).toList();
    }
  }

  private List<Path> filesContaining(byte[] needle) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      List<Path> hits = new ArrayList<>();
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        if (indexOf(Files.readAllBytes(p), needle) >= 0) {
          hits.add(p);
        }
      }
      return hits;
    }
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
