package io.baton.store;

import static io.baton.store.StoreFixture.addToLabel;
import static io.baton.store.StoreFixture.cluster;
import static io.baton.store.StoreFixture.config;
import static io.baton.store.StoreFixture.node;
import static io.baton.store.StoreFixture.service;
import static io.baton.store.StoreFixture.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.api.Cluster;
import io.baton.api.Node;
import io.baton.api.Service;
import io.baton.api.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(90)
class RestartTest {

  @TempDir Path dir;
  private RatisClusterStore store;
  /** The log index after {@link #writeHistory} wrote and moved the tasks. */
  private long tasksWrittenAt;

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
    for (int i = 0; i < 7; i++) {
      addToLabel(store, "n01", "past-the-snapshot-threshold", 1);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> latestSnapshotIndex() >= tasksWrittenAt);
    addToLabel(store, "n03", "after-snapshot", 1);
    Snapshot before = Snapshot.of(store.view());
    store.close();

    store = StoreFixture.reopened(cfg);

    assertThat(store.stateMachineForTest().loadedSnapshotIndex())
        .isGreaterThanOrEqualTo(tasksWrittenAt);
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
    s.update(
        tx -> {
          tx.put(service("s1"));
          tx.put(service("s2"));
          tx.put(service("s3"));
          return null;
        });
    for (int batch = 0; batch < 3; batch++) {
      int first = batch * 10;
      s.update(
          tx -> {
            for (int i = first; i < first + 10; i++) {
              String node = i % 3 == 0 ? "" : "n0" + i % 5;
              tx.put(task(String.format("t%02d", i), "s" + (1 + i % 2), node));
            }
            return null;
          });
    }
    for (int i = 0; i < 6; i++) {
      String id = String.format("t%02d", i * 4);
      s.update(
          tx -> {
            tx.put(tx.task(id).orElseThrow().toBuilder().setNodeId("n09").build());
            return null;
          });
    }
    s.update(
        tx -> {
          tx.deleteTask("t05");
          tx.deleteService("s3");
          return null;
        });
    tasksWrittenAt = s.view().appliedIndex();
    Snapshot history = Snapshot.of(s.view());
    assertThat(history.services()).hasSize(2);
    assertThat(history.tasks()).hasSize(29);
    assertThat(history.tasksByNode().get("n09")).hasSize(6);
    assertThat(history.tasksByNode().get("")).isNotEmpty();
  }

  private long latestSnapshotIndex() throws IOException {
    return snapshotFiles().stream()
        .map(p -> p.getFileName().toString())
        .mapToLong(name -> Long.parseLong(name.substring(name.indexOf('_') + 1)))
        .max()
        .orElse(-1);
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

  /** The objects of a view and its task lookups, comparable across restarts. */
  record Snapshot(
      Optional<Cluster> cluster,
      List<Node> nodes,
      List<Service> services,
      List<Task> tasks,
      Map<String, List<Task>> tasksByService,
      Map<String, List<Task>> tasksByNode) {
    static Snapshot of(ReadView v) {
      Map<String, List<Task>> byService = new TreeMap<>();
      Map<String, List<Task>> byNode = new TreeMap<>();
      for (Task t : v.tasks()) {
        byService.computeIfAbsent(t.getServiceId(), v::tasksOfService);
        byNode.computeIfAbsent(t.getNodeId(), v::tasksOfNode);
      }
      return new Snapshot(v.cluster(), v.nodes(), v.services(), v.tasks(), byService, byNode);
    }

    long maxVersion() {
      return Stream.of(
              cluster.stream().map(c -> c.getMeta().getVersion()),
              nodes.stream().map(n -> n.getMeta().getVersion()),
              services.stream().map(x -> x.getMeta().getVersion()),
              tasks.stream().map(t -> t.getMeta().getVersion()))
          .flatMap(x -> x)
          .mapToLong(Long::longValue)
          .max()
          .orElse(0);
    }
  }
}
