package io.baton.store;

import static io.baton.store.StoreFixture.cluster;
import static io.baton.store.StoreFixture.node;
import static io.baton.store.StoreFixture.service;
import static io.baton.store.StoreFixture.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import io.baton.api.Cluster;
import io.baton.api.Node;
import io.baton.api.Service;
import io.baton.api.Task;
import io.baton.api.store.ObjectKind;
import io.baton.api.store.ObjectRef;
import io.baton.api.store.StoreAction;
import io.baton.api.store.StoreObject;
import io.baton.api.store.StoreProposal;
import io.baton.api.store.StoreSnapshot;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The transition function over every kind: services, tasks, their indexes, snapshots. */
@Timeout(10)
class StoreStateKindsTest {

  @Test
  void servicesAndTasksAreStoredWithTheEntryIndexAsVersion() {
    StoreState s =
        apply(
            StoreState.EMPTY,
            3,
            put(Kind.SERVICE, service("s1"), 0),
            put(Kind.TASK, task("t2", "s1", "n1"), 0),
            put(Kind.TASK, task("t1", "s1", ""), 0));

    assertThat(s.service("s1").orElseThrow().getMeta().getVersion()).isEqualTo(3);
    assertThat(s.services()).extracting(Service::getId).containsExactly("s1");
    assertThat(s.tasks()).extracting(Task::getId).containsExactly("t1", "t2");
    assertThat(s.task("t2").orElseThrow().getMeta().getVersion()).isEqualTo(3);
    assertThat(s.get(Kind.TASK, "t1")).isEqualTo(s.task("t1"));
    assertThat(s.list(Kind.SERVICE)).isEqualTo(s.services());
    assertThat(s.task("nope")).isEmpty();
    assertThatThrownBy(() -> s.tasks().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void expectedVersionsApplyToServicesAndTasks() {
    StoreState s =
        apply(
            StoreState.EMPTY,
            3,
            put(Kind.SERVICE, service("s1"), 0),
            put(Kind.TASK, task("t1", "s1", ""), 0));

    StoreState.Applied staleTask =
        s.apply(
            proposal(
                put(Kind.SERVICE, service("s1"), 3), put(Kind.TASK, task("t1", "s1", "n1"), 2)),
            1,
            4);
    StoreState.Applied taskExists =
        s.apply(proposal(put(Kind.TASK, task("t1", "s1", ""), 0)), 1, 4);
    StoreState.Applied staleServiceDelete = s.apply(proposal(delete(Kind.SERVICE, "s1", 1)), 1, 4);

    assertThat(staleTask.result().kind()).isEqualTo(ApplyResult.Kind.CONFLICT);
    assertThat(staleTask.result().detail()).contains("task t1", "version 3", "expected 2");
    assertThat(staleTask.state().service("s1").orElseThrow().getMeta().getVersion()).isEqualTo(3);
    assertThat(taskExists.result().kind()).isEqualTo(ApplyResult.Kind.CONFLICT);
    assertThat(staleServiceDelete.result().detail()).contains("service s1");
    assertThat(staleServiceDelete.state().service("s1")).isPresent();
  }

  @Test
  void indexesFollowPutsMovesAndDeletes() {
    StoreState s =
        apply(
            StoreState.EMPTY,
            2,
            put(Kind.TASK, task("t1", "s1", "n1"), 0),
            put(Kind.TASK, task("t2", "s1", "n2"), 0),
            put(Kind.TASK, task("t3", "s2", "n1"), 0),
            put(Kind.TASK, task("t4", "s2", ""), 0));
    assertThat(ids(s.tasksOfService("s1"))).containsExactly("t1", "t2");
    assertThat(ids(s.tasksOfNode("n1"))).containsExactly("t1", "t3");
    assertThat(ids(s.tasksOfNode(""))).containsExactly("t4");

    StoreState moved =
        apply(
            s,
            3,
            put(Kind.TASK, task("t1", "s2", "n2"), 2),
            put(Kind.TASK, task("t4", "s2", "n1"), 2),
            delete(Kind.TASK, "t3", 2));

    assertThat(ids(moved.tasksOfService("s1"))).containsExactly("t2");
    assertThat(ids(moved.tasksOfService("s2"))).containsExactly("t1", "t4");
    assertThat(ids(moved.tasksOfNode("n1"))).containsExactly("t4");
    assertThat(ids(moved.tasksOfNode("n2"))).containsExactly("t1", "t2");
    assertThat(moved.tasksOfNode("")).isEmpty();
    assertThat(moved.tasksOfService("s3")).isEmpty();
    assertThat(moved.tasksOfNode("n2").get(0).getMeta().getVersion())
        .as("index lookups return the stored object")
        .isEqualTo(3);
    assertThat(ids(s.tasksOfNode("n1")))
        .as("the older version is unchanged")
        .containsExactly("t1", "t3");
    assertThat(ids(s.tasksOfService("s1"))).containsExactly("t1", "t2");
  }

  @Test
  void theClusterStaysASingleton() {
    StoreState empty = StoreState.EMPTY;
    StoreState s = apply(empty, 2, put(Kind.CLUSTER, cluster(), 0));

    StoreState.Applied two =
        empty.apply(
            proposal(
                put(Kind.CLUSTER, clusterNamed("a"), 0), put(Kind.CLUSTER, clusterNamed("b"), 0)),
            1,
            2);
    StoreState.Applied other = s.apply(proposal(put(Kind.CLUSTER, clusterNamed("b"), 0)), 1, 3);
    StoreState.Applied deleteAndReplace =
        s.apply(
            proposal(
                delete(Kind.CLUSTER, cluster().getId(), 2),
                put(Kind.CLUSTER, clusterNamed("b"), 0)),
            1,
            3);

    assertThat(two.result().kind()).isEqualTo(ApplyResult.Kind.REJECTED);
    assertThat(two.result().detail()).contains("two cluster objects");
    assertThat(other.result().detail()).contains("cluster id cannot change");
    assertThat(deleteAndReplace.result().kind()).isEqualTo(ApplyResult.Kind.REJECTED);
  }

  @Test
  void actionsOfUnknownKindAreRejected() {
    StoreAction unknownDelete =
        StoreAction.newBuilder()
            .setDelete(
                ObjectRef.newBuilder().setKind(ObjectKind.OBJECT_KIND_UNSPECIFIED).setId("x"))
            .build();
    StoreAction emptyPut =
        StoreAction.newBuilder().setPut(StoreObject.getDefaultInstance()).build();

    assertThat(StoreState.EMPTY.apply(proposal(unknownDelete), 1, 1).result().kind())
        .isEqualTo(ApplyResult.Kind.REJECTED);
    assertThat(StoreState.EMPTY.apply(proposal(emptyPut), 1, 1).result().kind())
        .isEqualTo(ApplyResult.Kind.REJECTED);
    assertThat(
            StoreState.EMPTY
                .apply(proposal(put(Kind.TASK, task("", "s", "n"), 0)), 1, 1)
                .result()
                .detail())
        .contains("without id");
  }

  @Test
  void eventListsChangedServicesAndTasks() {
    StoreState s = apply(StoreState.EMPTY, 2, put(Kind.TASK, task("t1", "s1", ""), 0));

    StoreState.Applied r =
        s.apply(proposal(put(Kind.SERVICE, service("s1"), 0), delete(Kind.TASK, "t1", 2)), 1, 3);

    assertThat(r.event().changed())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(Kind.of(o)).isSameAs(Kind.SERVICE);
              assertThat(o.getService().getMeta().getVersion()).isEqualTo(3);
            });
    assertThat(r.event().deleted()).containsExactly(Kind.TASK.ref("t1"));
  }

  @Test
  void snapshotRoundTripsEveryKindAndItsIndexes() throws Exception {
    StoreState s =
        apply(
            StoreState.EMPTY,
            2,
            put(Kind.CLUSTER, cluster(), 0),
            put(Kind.NODE, node("n1"), 0),
            put(Kind.SERVICE, service("s1"), 0),
            put(Kind.TASK, task("t1", "s1", "n1"), 0),
            put(Kind.TASK, task("t2", "s1", ""), 0));

    StoreSnapshot snapshot = s.toSnapshot();
    StoreState back = StoreState.fromSnapshot(snapshot);

    assertThat(snapshot.getObjectsList())
        .extracting(o -> Kind.of(o).noun())
        .containsExactly("cluster", "node", "service", "task", "task");
    assertThat(back.toSnapshot()).isEqualTo(snapshot);
    assertThat(ids(back.tasksOfService("s1"))).containsExactly("t1", "t2");
    assertThat(ids(back.tasksOfNode("n1"))).containsExactly("t1");
    assertThat(back.service("s1")).isEqualTo(s.service("s1"));
  }

  @Test
  void snapshotOfAnOlderVersionWithClusterAndNodesOnlyLoads() throws Exception {
    StoreSnapshot old =
        StoreSnapshot.newBuilder()
            .setAppliedIndex(9)
            .setAppliedTerm(2)
            .addObjects(StoreObject.newBuilder().setCluster(cluster()))
            .addObjects(StoreObject.newBuilder().setNode(node("b")))
            .addObjects(StoreObject.newBuilder().setNode(node("a")))
            .build();

    StoreState s = StoreState.fromSnapshot(old);

    assertThat(s.cluster()).contains(cluster());
    assertThat(s.nodes()).extracting(Node::getId).containsExactly("a", "b");
    assertThat(s.services()).isEmpty();
    assertThat(s.tasks()).isEmpty();
    assertThat(s.appliedIndex()).isEqualTo(9);
  }

  @Test
  void inconsistentSnapshotsAreCorrupt() {
    StoreObject t1 = Kind.TASK.wrap(task("t1", "s1", ""));

    assertThatThrownBy(
            () ->
                StoreState.fromSnapshot(
                    snapshot(Kind.CLUSTER.wrap(cluster()), Kind.CLUSTER.wrap(cluster()))))
        .isInstanceOf(StoreException.Corrupt.class)
        .hasMessageContaining("more than one cluster");
    assertThatThrownBy(() -> StoreState.fromSnapshot(snapshot(t1, t1)))
        .isInstanceOf(StoreException.Corrupt.class)
        .hasMessageContaining("twice the task 't1'");
    assertThatThrownBy(() -> StoreState.fromSnapshot(snapshot(Kind.SERVICE.wrap(service("")))))
        .isInstanceOf(StoreException.Corrupt.class)
        .hasMessageContaining("service without id");
    assertThatThrownBy(() -> StoreState.fromSnapshot(snapshot(StoreObject.getDefaultInstance())))
        .isInstanceOf(StoreException.Corrupt.class)
        .hasMessageContaining("unknown kind");
  }

  private static StoreSnapshot snapshot(StoreObject... objects) {
    return StoreSnapshot.newBuilder()
        .setAppliedIndex(1)
        .setAppliedTerm(1)
        .addAllObjects(List.of(objects))
        .build();
  }

  private static Cluster clusterNamed(String id) {
    return Cluster.newBuilder().setId(id).build();
  }

  static List<String> ids(List<Task> tasks) {
    return tasks.stream().map(Task::getId).toList();
  }

  static StoreState apply(StoreState s, long index, StoreAction... actions) {
    StoreState.Applied r = s.apply(proposal(actions), 1, index);
    assertThat(r.result()).isEqualTo(ApplyResult.APPLIED);
    return r.state();
  }

  static StoreProposal proposal(StoreAction... actions) {
    return StoreProposal.newBuilder().addAllActions(List.of(actions)).build();
  }

  static <T extends Message> StoreAction put(Kind<T> kind, T object, long expected) {
    return StoreAction.newBuilder().setPut(kind.wrap(object)).setExpectedVersion(expected).build();
  }

  static StoreAction delete(Kind<?> kind, String id, long expected) {
    return StoreAction.newBuilder().setDelete(kind.ref(id)).setExpectedVersion(expected).build();
  }
}
