package io.baton.store;

import static io.baton.store.StoreFixture.config;
import static io.baton.store.StoreFixture.service;
import static io.baton.store.StoreFixture.task;
import static io.baton.store.StoreStateKindsTest.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.baton.api.Service;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.ratis.server.raftlog.RaftLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Services and tasks through a real Ratis server: writes, conflicts, watches, the size cap. */
@Timeout(60)
class RatisServicesAndTasksTest {

  @TempDir Path dir;
  private RatisClusterStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void servicesAndTasksRoundTrip() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));

    store.update(
        tx -> {
          tx.put(service("s1"));
          tx.put(task("t1", "s1", "n1"));
          tx.put(task("t2", "s1", ""));
          return null;
        });
    List<String> seen =
        store.update(
            tx -> {
              tx.put(tx.task("t2").orElseThrow().toBuilder().setNodeId("n1").build());
              tx.deleteTask("t1");
              tx.put(service("s2"));
              return ids(tx.tasksOfNode("n1"));
            });

    ReadView v = store.view();
    assertThat(seen).containsExactly("t2");
    assertThat(v.services()).extracting(Service::getId).containsExactly("s1", "s2");
    assertThat(ids(v.tasks())).containsExactly("t2");
    assertThat(ids(v.tasksOfNode("n1"))).containsExactly("t2");
    assertThat(ids(v.tasksOfService("s1"))).containsExactly("t2");
    Task t2 = v.task("t2").orElseThrow();
    assertThat(t2.getMeta().getVersion())
        .isEqualTo(v.service("s2").orElseThrow().getMeta().getVersion());
    assertThat(t2.getMeta().getCreatedAtMs()).isLessThanOrEqualTo(t2.getMeta().getUpdatedAtMs());
  }

  @Test
  void conflictingTaskWriteFromElsewhereMakesTheUpdateRunAgain() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    store.update(
        tx -> {
          tx.put(task("t1", "s1", ""));
          return null;
        });
    AtomicInteger runs = new AtomicInteger();

    store.update(
        tx -> {
          if (runs.incrementAndGet() == 1) {
            writeTaskElsewhere("t1", t -> t.toBuilder().setNodeId("n9").build());
          }
          Task t = tx.task("t1").orElseThrow();
          tx.put(t.toBuilder().setDesiredState(TaskState.TASK_STATE_SHUTDOWN).build());
          return null;
        });

    assertThat(runs.get()).isEqualTo(2);
    Task t1 = store.view().task("t1").orElseThrow();
    assertThat(t1.getNodeId()).isEqualTo("n9");
    assertThat(t1.getDesiredState()).isEqualTo(TaskState.TASK_STATE_SHUTDOWN);
    assertThat(ids(store.view().tasksOfNode("n9"))).containsExactly("t1");
  }

  @Test
  void serviceUpdateGivesUpWhenEveryRunMeetsAConcurrentWrite() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    store.update(
        tx -> {
          tx.put(service("s1"));
          return null;
        });

    assertThatThrownBy(
            () ->
                store.update(
                    tx -> {
                      writeServiceElsewhere("s1");
                      tx.deleteService("s1");
                      return null;
                    }))
        .isInstanceOf(StoreException.Conflict.class)
        .hasMessageContaining("service s1");
    assertThat(store.view().service("s1")).isPresent();
  }

  @Test
  void watchEventListsChangedServicesAndTasks() throws Exception {
    store = StoreFixture.bootstrapped(config(dir));
    List<StoreEvent> events = new CopyOnWriteArrayList<>();
    store.watch(events::add);

    store.update(
        tx -> {
          tx.put(service("s1"));
          tx.put(task("t1", "s1", ""));
          return null;
        });
    store.update(
        tx -> {
          tx.deleteTask("t1");
          tx.deleteService("s1");
          return null;
        });

    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
    StoreEvent created = events.get(0);
    assertThat(created.changed()).extracting(Kind::of).containsExactly(Kind.SERVICE, Kind.TASK);
    assertThat(created.changed().get(1).getTask().getMeta().getVersion())
        .isEqualTo(created.index());
    assertThat(events.get(1).deleted())
        .containsExactly(Kind.SERVICE.ref("s1"), Kind.TASK.ref("t1"));
  }

  @Test
  void proposalNearTheCapCommitsAndReplaysAndOneAboveItIsRefused() throws Exception {
    StoreConfig cfg = config(dir);
    store = StoreFixture.bootstrapped(cfg);
    ByteString kib = ByteString.copyFrom(new byte[1024]);

    store.update(
        tx -> {
          for (int i = 0; i < 1_400; i++) {
            tx.put(withStatus(task("t" + i, "s1", ""), kib));
          }
          return null;
        });
    RaftLog raftLog = store.division().getRaftLog();
    long lastBefore = raftLog.getLastEntryTermIndex().getIndex();
    assertThatThrownBy(
            () ->
                store.update(
                    tx -> {
                      for (int i = 0; i < 1_600; i++) {
                        tx.put(withStatus(task("u" + i, "s2", ""), kib));
                      }
                      return null;
                    }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1.5 MiB");
    for (long i = lastBefore + 1; i <= raftLog.getLastEntryTermIndex().getIndex(); i++) {
      assertThat(raftLog.get(i).hasStateMachineLogEntry()).as("entry %d", i).isFalse();
    }
    assertThat(store.view().tasksOfService("s2")).isEmpty();

    store.close();
    store = StoreFixture.reopened(cfg);

    assertThat(store.view().tasksOfService("s1")).hasSize(1_400);
    assertThat(store.view().task("t7").orElseThrow().getStatus().getMessageBytes()).isEqualTo(kib);
  }

  private static Task withStatus(Task t, ByteString message) {
    return t.toBuilder().setStatus(TaskStatus.newBuilder().setMessageBytes(message)).build();
  }

  /** Plays another proposer writing task {@code id} between a read and a write. */
  private void writeTaskElsewhere(String id, UnaryOperator<Task> change) {
    StoreTx other = new StoreTx((StoreState) store.view());
    other.put(change.apply(other.task(id).orElseThrow()));
    proposeElsewhere(other);
  }

  private void writeServiceElsewhere(String id) {
    StoreTx other = new StoreTx((StoreState) store.view());
    Service s = other.service(id).orElseThrow();
    other.put(s.toBuilder().setSpecVersion(s.getSpecVersion() + 1).build());
    proposeElsewhere(other);
  }

  private void proposeElsewhere(StoreTx other) {
    try {
      assertThat(store.propose(other.toProposal(0)).kind()).isEqualTo(ApplyResult.Kind.APPLIED);
    } catch (StoreException e) {
      throw new AssertionError(e);
    }
  }
}
