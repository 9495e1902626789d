package io.baton.store;

import static io.baton.store.StoreFixture.addToLabel;
import static io.baton.store.StoreFixture.cluster;
import static io.baton.store.StoreFixture.config;
import static io.baton.store.StoreFixture.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.api.Cluster;
import io.baton.api.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(90)
class RestartTest {

  @TempDir Path dir;
  private RatisClusterStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void restartReplaysTheLogWhenThereIsNoSnapshot() throws Exception {
    StoreConfig cfg = config(dir);
    store = StoreFixture.bootstrapped(cfg);
    writeHistory(store);
    Snapshot before = Snapshot.of(store.view());
    store.close();
    assertThat(snapshotFiles()).isEmpty();

    store = StoreFixture.reopened(cfg);

    assertThat(store.stateMachineForTest().loadedSnapshotIndex()).isEqualTo(-1);
    assertThat(Snapshot.of(store.view())).isEqualTo(before);
    assertWritesContinue(before);
  }

  @Test
  void restartLoadsTheSnapshotAndReplaysTheLogAfterIt() throws Exception {
    StoreConfig cfg = config(dir).withSnapshotEveryEntries(7);
    store = StoreFixture.bootstrapped(cfg);
    writeHistory(store);
    await().atMost(Duration.ofSeconds(10)).until(() -> !snapshotFiles().isEmpty());
    addToLabel(store, "n03", "after-snapshot", 1);
    Snapshot before = Snapshot.of(store.view());
    store.close();

    store = StoreFixture.reopened(cfg);

    assertThat(store.stateMachineForTest().loadedSnapshotIndex()).isPositive();
    assertThat(Snapshot.of(store.view())).isEqualTo(before);
    assertWritesContinue(before);
  }

  @Test
  void restartsRepeatedly() throws Exception {
    StoreConfig cfg = config(dir).withSnapshotEveryEntries(5);
    store = StoreFixture.bootstrapped(cfg);
    store.update(tx -> putAll(tx, List.of(node("n1"))));
    for (int round = 1; round <= 3; round++) {
      for (int i = 0; i < 4; i++) {
        addToLabel(store, "n1", "count", 1);
      }
      store.close();
      store = StoreFixture.reopened(cfg);
      assertThat(store.view().node("n1").orElseThrow().getSpec().getLabelsOrThrow("count"))
          .isEqualTo(Integer.toString(4 * round));
    }
  }

  private void writeHistory(ClusterStore s) throws StoreException {
    s.update(
        tx -> {
          tx.put(cluster());
          return null;
        });
    for (int i = 0; i < 20; i++) {
      String id = String.format("n%02d", i);
      s.update(tx -> putAll(tx, List.of(node(id))));
    }
    for (int i = 0; i < 10; i++) {
      addToLabel(s, "n05", "count", 1);
    }
    s.update(
        tx -> {
          tx.deleteNode("n07");
          tx.deleteNode("n11");
          return null;
        });
  }

  private void assertWritesContinue(Snapshot before) throws StoreException {
    addToLabel(store, "n05", "count", 1);
    Node n05 = store.view().node("n05").orElseThrow();
    assertThat(n05.getSpec().getLabelsOrThrow("count")).isEqualTo("11");
    assertThat(n05.getMeta().getVersion()).isGreaterThan(before.maxVersion());
    assertThat(n05.getMeta().getCreatedAtMs())
        .isEqualTo(before.nodes().stream().filter(n -> n.getId().equals("n05")).findFirst()
            .orElseThrow().getMeta().getCreatedAtMs());
  }

  private static Object putAll(Tx tx, List<Node> nodes) {
    nodes.forEach(tx::put);
    return null;
  }

  private List<Path> snapshotFiles() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))
          .toList();
    }
  }

  /** The objects of a view, comparable across restarts. */
  record Snapshot(Optional<Cluster> cluster, List<Node> nodes) {
    static Snapshot of(ReadView v) {
      return new Snapshot(v.cluster(), v.nodes());
    }

    long maxVersion() {
      return Stream.concat(
              cluster.stream().map(c -> c.getMeta().getVersion()),
              nodes.stream().map(n -> n.getMeta().getVersion()))
          .mapToLong(Long::longValue)
          .max()
          .orElse(0);
    }
  }
}
