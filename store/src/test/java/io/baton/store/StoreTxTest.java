package io.baton.store;

import static io.baton.store.StoreFixture.cluster;
import static io.baton.store.StoreFixture.node;
import static io.baton.store.StoreFixture.service;
import static io.baton.store.StoreFixture.task;
import static io.baton.store.StoreStateKindsTest.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.baton.api.Cluster;
import io.baton.api.Service;
import io.baton.api.Task;
import io.baton.api.TaskStatus;
import io.baton.api.store.StoreAction;
import io.baton.api.store.StoreProposal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A transaction's reads of its own writes, and the proposal it makes. */
@Timeout(10)
class StoreTxTest {

  @Test
  void readsSeeTheTransactionsOwnWritesOfEveryKind() {
    StoreState base =
        committed(
            tx -> {
              tx.put(service("s1"));
              tx.put(task("t1", "s1", "n1"));
              tx.put(task("t2", "s1", "n2"));
            });
    StoreTx tx = new StoreTx(base);

    tx.put(service("s2"));
    tx.put(task("t1", "s2", "n2"));
    tx.put(task("t3", "s1", ""));
    tx.deleteTask("t2");

    assertThat(tx.services()).extracting(Service::getId).containsExactly("s1", "s2");
    assertThat(tx.task("t2")).isEmpty();
    assertThat(tx.task("t1").orElseThrow().getServiceId()).isEqualTo("s2");
    assertThat(ids(tx.tasks())).containsExactly("t1", "t3");
    assertThat(ids(tx.tasksOfService("s1"))).containsExactly("t3");
    assertThat(ids(tx.tasksOfService("s2"))).containsExactly("t1");
    assertThat(ids(tx.tasksOfNode("n2"))).containsExactly("t1");
    assertThat(tx.tasksOfNode("n1")).isEmpty();
    assertThat(ids(tx.tasksOfNode(""))).containsExactly("t3");
    assertThat(ids(base.tasksOfService("s1")))
        .as("the base is unchanged")
        .containsExactly("t1", "t2");

    tx.deleteService("s2");
    assertThat(tx.service("s2")).isEmpty();
    assertThat(ids(tx.tasksOfService("s2")))
        .as("tasks outlive their service")
        .containsExactly("t1");
  }

  @Test
  void proposalCarriesExpectedVersionsAndKeepsCreationTimes() {
    StoreState base = committed(tx -> tx.put(task("t1", "s1", "")));
    long v = base.task("t1").orElseThrow().getMeta().getVersion();
    StoreTx tx = new StoreTx(base);

    tx.put(task("t1", "s1", "n1"));
    tx.put(task("t2", "s1", "n1"));
    tx.put(service("s1"));
    tx.deleteTask("t-never-existed");
    tx.deleteTask("t2");
    StoreProposal p = tx.toProposal(777);

    assertThat(p.getActionsList())
        .extracting(a -> Kind.of(a.getPut()).noun())
        .containsExactly("service", "task");
    StoreAction t1 = p.getActions(1);
    assertThat(t1.getExpectedVersion()).isEqualTo(v);
    assertThat(t1.getPut().getTask().getMeta().getCreatedAtMs()).isEqualTo(100);
    assertThat(t1.getPut().getTask().getMeta().getUpdatedAtMs()).isEqualTo(777);
    assertThat(p.getActions(0).getExpectedVersion()).isZero();
  }

  @Test
  void clusterIsWrittenBeforeOtherKindsWhateverTheWriteOrder() {
    StoreTx tx = new StoreTx(StoreState.EMPTY);

    tx.put(task("t1", "s1", ""));
    tx.put(node("n1"));
    tx.put(cluster());

    assertThat(tx.toProposal(1).getActionsList())
        .extracting(a -> Kind.of(a.getPut()).noun())
        .containsExactly("cluster", "node", "task");
  }

  @Test
  void aLaterClusterOfAnotherIdReplacesAnEarlierPutOfTheSameTransaction() {
    StoreTx fresh = new StoreTx(StoreState.EMPTY);
    fresh.put(Cluster.newBuilder().setId("a").build());
    fresh.put(Cluster.newBuilder().setId("b").build());

    assertThat(fresh.cluster().orElseThrow().getId()).isEqualTo("b");
    assertThat(fresh.toProposal(1).getActionsList())
        .singleElement()
        .satisfies(a -> assertThat(a.getPut().getCluster().getId()).isEqualTo("b"));

    StoreTx existing = new StoreTx(committed(tx -> tx.put(cluster())));
    assertThatThrownBy(() -> existing.put(Cluster.newBuilder().setId("b").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cluster id cannot change");
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void refusesObjectsOfAnotherKindAndEmptyIds() {
    StoreTx tx = new StoreTx(StoreState.EMPTY);

    assertThatThrownBy(() -> tx.put((Kind) Kind.SERVICE, (Message) task("t1", "s1", "")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a service");
    assertThatThrownBy(() -> tx.put(task("", "s1", "")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a task needs an id");
    assertThat(tx.hasWrites()).isFalse();
  }

  @Test
  void proposalAboveTheCapIsRefused() {
    StoreTx tx = new StoreTx(StoreState.EMPTY);
    ByteString kib = ByteString.copyFrom(new byte[1024]);
    for (int i = 0; i < 1600; i++) {
      tx.put(bigTask("t" + i, kib));
    }

    assertThatThrownBy(() -> tx.toProposal(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1572864 bytes (1.5 MiB)")
        .hasMessageContaining("1600 objects")
        .hasMessageContaining("Split the writes");
    for (int i = 0; i < 200; i++) {
      tx.deleteTask("t" + i);
    }
    assertThat(tx.toProposal(1).getSerializedSize())
        .isLessThanOrEqualTo(ClusterStore.MAX_PROPOSAL_BYTES)
        .isGreaterThan(ClusterStore.MAX_PROPOSAL_BYTES * 9 / 10);
  }

  /** A task of about {@code payload}'s size. */
  static Task bigTask(String id, ByteString payload) {
    return task(id, "s1", "").toBuilder()
        .setStatus(TaskStatus.newBuilder().setMessageBytes(payload))
        .build();
  }

  /** The state after applying the writes of {@code writes} at index 1, timestamps 100. */
  private static StoreState committed(java.util.function.Consumer<Tx> writes) {
    StoreTx tx = new StoreTx(StoreState.EMPTY);
    writes.accept(tx);
    StoreState.Applied r = StoreState.EMPTY.apply(tx.toProposal(100), 1, 1);
    assertThat(r.result()).isEqualTo(ApplyResult.APPLIED);
    return r.state();
  }
}
