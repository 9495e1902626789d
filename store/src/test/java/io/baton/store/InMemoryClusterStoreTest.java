package io.baton.store;

import static io.baton.store.StoreFixture.cluster;
import static io.baton.store.StoreFixture.node;
import static io.baton.store.StoreFixture.service;
import static io.baton.store.StoreFixture.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.baton.api.Node;
import io.baton.api.Task;
import io.baton.api.store.StoreObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class InMemoryClusterStoreTest {

  private static final int TASKS = 50_000;
  private static final int BATCH = 1_000;

  @Test
  void behavesLikeTheReplicatedStore() throws Exception {
    Clock clock = Clock.fixed(Instant.ofEpochMilli(1234), ZoneOffset.UTC);
    try (InMemoryClusterStore store = new InMemoryClusterStore(clock)) {
      store.awaitLeader(Duration.ofSeconds(1));
      List<StoreEvent> events = new CopyOnWriteArrayList<>();
      store.watch(events::add);

      store.update(
          tx -> {
            tx.put(cluster());
            tx.put(node("b"));
            tx.put(node("a"));
            return null;
          });
      store.update(
          tx -> {
            tx.deleteNode("b");
            return null;
          });
      int n = store.update(tx -> tx.nodes().size());

      assertThat(n).isEqualTo(1);
      ReadView v = store.view();
      assertThat(v.appliedIndex()).isEqualTo(2);
      assertThat(v.nodes()).extracting(Node::getId).containsExactly("a");
      assertThat(v.node("a").orElseThrow().getMeta().getVersion()).isEqualTo(1);
      assertThat(v.node("a").orElseThrow().getMeta().getCreatedAtMs()).isEqualTo(1234);
      await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
      assertThat(events).extracting(StoreEvent::index).containsExactly(1L, 2L);

      store.close();
      assertThat(store.isLeader()).isFalse();
      assertThatThrownBy(() -> store.update(tx -> null))
          .isInstanceOf(StoreException.Unavailable.class);
    }
  }

  @Test
  void holdsFiftyThousandTasksWrittenInBatchesThenUpdatedOneByOne() throws Exception {
    try (InMemoryClusterStore store = new InMemoryClusterStore()) {
      store.update(
          tx -> {
            for (int s = 0; s < 10; s++) {
              tx.put(service("s" + s));
            }
            return null;
          });
      for (int from = 0; from < TASKS; from += BATCH) {
        int first = from;
        store.update(
            tx -> {
              for (int i = first; i < first + BATCH; i++) {
                tx.put(task(taskId(i), "s" + (i % 10), "n" + (i % 50)));
              }
              return null;
            });
      }
      ReadView loaded = store.view();
      assertThat(loaded.tasks()).hasSize(TASKS);
      assertThat(loaded.tasksOfService("s3")).hasSize(TASKS / 10);
      assertThat(loaded.tasksOfNode("n7")).hasSize(TASKS / 50);

      for (int i = 0; i < 200; i++) {
        String id = taskId(i * 97);
        store.update(
            tx -> {
              Task t = tx.task(id).orElseThrow();
              tx.put(t.toBuilder().setNodeId("n-new").build());
              assertThat(tx.tasksOfNode("n-new")).extracting(Task::getId).contains(id);
              return null;
            });
      }
      store.update(
          tx -> {
            tx.deleteTask(taskId(0));
            tx.deleteTask(taskId(1));
            return null;
          });

      ReadView v = store.view();
      assertThat(v.appliedIndex()).isEqualTo(1 + TASKS / BATCH + 200 + 1);
      assertThat(v.tasks()).hasSize(TASKS - 2);
      assertThat(v.tasksOfNode("n-new"))
          .hasSize(199)
          .allSatisfy(
              t -> {
                assertThat(t.getMeta().getVersion()).isGreaterThan(loaded.appliedIndex());
                assertThat(t.getMeta().getCreatedAtMs())
                    .isLessThanOrEqualTo(t.getMeta().getUpdatedAtMs());
              });
      assertThat(v.tasksOfNode("n0")).hasSize(TASKS / 50 - 1 - countMovedFrom("n0"));
      assertThat(v.tasksOfService("s0")).hasSize(TASKS / 10 - 1);
      assertThat(v.task(taskId(97)).orElseThrow().getNodeId()).isEqualTo("n-new");
      assertThat(loaded.task(taskId(97)).orElseThrow().getNodeId())
          .as("an older view is unchanged")
          .isEqualTo("n" + (97 % 50));
      assertThat(loaded.tasksOfNode("n-new")).isEmpty();
    }
  }

  /** Of the tasks moved to n-new (every 97th of the first 200), those that were on {@code node}. */
  private static int countMovedFrom(String node) {
    int n = 0;
    for (int i = 1; i < 200; i++) {
      if (("n" + (i * 97 % 50)).equals(node)) {
        n++;
      }
    }
    return n;
  }

  private static String taskId(int i) {
    return String.format("task-%06d", i);
  }

  @Test
  void refusesAnUpdateAboveTheProposalCapAndWritesNothing() throws Exception {
    try (InMemoryClusterStore store = new InMemoryClusterStore()) {
      store.update(
          tx -> {
            tx.put(node("a"));
            return null;
          });
      ByteString kib = ByteString.copyFrom(new byte[1024]);

      assertThatThrownBy(
              () ->
                  store.update(
                      tx -> {
                        tx.deleteNode("a");
                        for (int i = 0; i < 2_000; i++) {
                          tx.put(StoreTxTest.bigTask("t" + i, kib));
                        }
                        return null;
                      }))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("1.5 MiB");
      assertThat(store.view().appliedIndex()).isEqualTo(1);
      assertThat(store.view().node("a")).isPresent();
      assertThat(store.view().tasks()).isEmpty();
    }
  }

  @Test
  void watchEventListsChangedServicesAndTasks() throws Exception {
    try (InMemoryClusterStore store = new InMemoryClusterStore()) {
      List<StoreEvent> events = new CopyOnWriteArrayList<>();
      store.watch(events::add);

      store.update(
          tx -> {
            tx.put(service("s1"));
            tx.put(task("t1", "s1", ""));
            tx.put(task("t2", "s1", ""));
            return null;
          });
      store.update(
          tx -> {
            tx.deleteTask("t2");
            tx.put(tx.task("t1").orElseThrow().toBuilder().setNodeId("n1").build());
            return null;
          });

      await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
      assertThat(events.get(0).changed())
          .extracting(o -> Kind.of(o).noun() + " " + id(o))
          .containsExactly("service s1", "task t1", "task t2");
      assertThat(events.get(1).changed())
          .singleElement()
          .satisfies(o -> assertThat(o.getTask().getNodeId()).isEqualTo("n1"));
      assertThat(events.get(1).deleted()).containsExactly(Kind.TASK.ref("t2"));
    }
  }

  private static String id(StoreObject o) {
    return o.hasService() ? o.getService().getId() : o.getTask().getId();
  }
}
