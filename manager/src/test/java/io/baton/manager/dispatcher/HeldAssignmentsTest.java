package io.baton.manager.dispatcher;

import static io.baton.manager.dispatcher.Fixtures.node;
import static io.baton.manager.dispatcher.Fixtures.secret;
import static io.baton.manager.dispatcher.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.baton.api.AssignedSecret;
import io.baton.api.LogSubscription;
import io.baton.api.ManagerPeer;
import io.baton.api.SessionMessage;
import io.baton.api.SessionMessageKind;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import io.baton.store.InMemoryClusterStore;
import io.baton.store.ReadView;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The diff a session sends: complete first, then exactly what changed, and nothing for no change. */
class HeldAssignmentsTest {
  private static final List<ManagerPeer> MANAGERS =
      List.of(ManagerPeer.newBuilder().setNodeId("m1").setAddr("10.0.0.1:4242").build());

  private final InMemoryClusterStore store = new InMemoryClusterStore();
  private final HeldAssignments held = new HeldAssignments("session-1");

  @Test
  void theFirstMessageIsCompleteAndAnUnchangedSetSendsNothing() throws Exception {
    store.update(tx -> {
      tx.put(node("a", "zone", "a"));
      tx.put(secret("s1", "one", List.of()));
      tx.put(task("t1", "a", TaskState.TASK_STATE_ASSIGNED, "s1"));
      tx.put(task("t2", "a", TaskState.TASK_STATE_RUNNING));
      return null;
    });
    SessionMessage first = next().orElseThrow();
    assertThat(first.getKind()).isEqualTo(SessionMessageKind.SESSION_MESSAGE_KIND_COMPLETE);
    assertThat(first.getSessionId()).isEqualTo("session-1");
    assertThat(first.getTasksList()).extracting(Task::getId).containsExactly("t1", "t2");
    assertThat(first.getSecretsList()).extracting(AssignedSecret::getId).containsExactly("s1");
    assertThat(first.getManagersList()).isEqualTo(MANAGERS);
    assertThat(first.getHeartbeatPeriodMs()).isEqualTo(5000);
    assertThat(first.getNode().getId()).isEqualTo("a");
    assertThat(held.holdsTask("t1")).isTrue();
    assertThat(held.holdsSecret("s1")).isTrue();

    assertThat(next()).isEmpty();
  }

  @Test
  void anEmptySetIsStillSentCompleteFirst() throws Exception {
    store.update(tx -> {
      tx.put(node("a", "zone", "a"));
      return null;
    });
    SessionMessage first = next().orElseThrow();
    assertThat(first.getKind()).isEqualTo(SessionMessageKind.SESSION_MESSAGE_KIND_COMPLETE);
    assertThat(first.getTasksList()).isEmpty();
    assertThat(next()).isEmpty();
  }

  @Test
  void addedChangedAndRemovedTasksAndTheirSecretsAreSentAsAPatch() throws Exception {
    store.update(tx -> {
      tx.put(node("a", "zone", "a"));
      tx.put(secret("s1", "one", List.of()));
      tx.put(secret("s2", "two", List.of()));
      tx.put(task("t1", "a", TaskState.TASK_STATE_RUNNING, "s1"));
      tx.put(task("t2", "a", TaskState.TASK_STATE_RUNNING));
      return null;
    });
    next().orElseThrow();
    Task shutdown = task("t2", "a", TaskState.TASK_STATE_RUNNING).toBuilder()
        .setDesiredState(TaskState.TASK_STATE_SHUTDOWN).build();
    store.update(tx -> {
      tx.put(task("t1", "a", TaskState.TASK_STATE_COMPLETE, "s1"));
      tx.put(shutdown);
      tx.put(task("t3", "a", TaskState.TASK_STATE_ASSIGNED, "s2"));
      return null;
    });
    SessionMessage patch = next().orElseThrow();
    assertThat(patch.getKind()).isEqualTo(SessionMessageKind.SESSION_MESSAGE_KIND_INCREMENTAL);
    assertThat(patch.getTasksList()).extracting(Task::getId).containsExactlyInAnyOrder("t2", "t3");
    assertThat(patch.getTasksList()).filteredOn(t -> t.getId().equals("t2")).singleElement()
        .satisfies(t -> assertThat(t.getDesiredState()).isEqualTo(TaskState.TASK_STATE_SHUTDOWN));
    assertThat(patch.getRemovedTaskIdsList()).containsExactly("t1");
    assertThat(patch.getSecretsList()).extracting(AssignedSecret::getId).containsExactly("s2");
    assertThat(patch.getRemovedSecretIdsList()).containsExactly("s1");
    // What did not change is not repeated.
    assertThat(patch.hasNode()).isFalse();
    assertThat(patch.getManagersList()).isEmpty();
    assertThat(patch.getHeartbeatPeriodMs()).isZero();
    assertThat(held.holdsTask("t1")).isFalse();
    assertThat(held.holdsSecret("s1")).isFalse();
    assertThat(next()).isEmpty();
  }

  @Test
  void aStatusTheNodeReportedItselfIsNotEchoedBack() throws Exception {
    store.update(tx -> {
      tx.put(node("a", "zone", "a"));
      tx.put(task("t1", "a", TaskState.TASK_STATE_ASSIGNED));
      return null;
    });
    next().orElseThrow();
    for (TaskState state : List.of(TaskState.TASK_STATE_ACCEPTED, TaskState.TASK_STATE_STARTING,
        TaskState.TASK_STATE_RUNNING)) {
      Task reported = task("t1", "a", TaskState.TASK_STATE_ASSIGNED).toBuilder()
          .setStatus(TaskStatus.newBuilder().setState(state).setTimestampMs(state.getNumber()))
          .addHistory(TaskStatus.newBuilder().setState(TaskState.TASK_STATE_ASSIGNED))
          .build();
      store.update(tx -> {
        tx.put(reported);
        return null;
      });
      assertThat(next()).as(state.name()).isEmpty();
    }
  }

  @Test
  void aSecretWhoseValueChangesIsWithdrawnAndSentAnew() throws Exception {
    store.update(tx -> {
      tx.put(node("a", "zone", "a"));
      tx.put(secret("s1", "one", List.of()));
      tx.put(task("t1", "a", TaskState.TASK_STATE_RUNNING, "s1"));
      return null;
    });
    next().orElseThrow();
    store.update(tx -> {
      tx.put(secret("s1", "one", List.of()).toBuilder()
        .setData(ByteString.copyFromUtf8("rotated")).build());
      return null;
    });
    SessionMessage patch = next().orElseThrow();
    assertThat(patch.getRemovedSecretIdsList()).containsExactly("s1");
    assertThat(patch.getSecretsList()).singleElement()
        .satisfies(s -> assertThat(s.getData().toStringUtf8()).isEqualTo("rotated"));
    assertThat(patch.getTasksList()).isEmpty();
    assertThat(next()).isEmpty();
  }

  @Test
  void aSecretDeletedFromTheStoreIsWithdrawn() throws Exception {
    store.update(tx -> {
      tx.put(node("a", "zone", "a"));
      tx.put(secret("s1", "one", List.of()));
      tx.put(task("t1", "a", TaskState.TASK_STATE_RUNNING, "s1"));
      return null;
    });
    next().orElseThrow();
    store.update(tx -> {
      tx.deleteSecret("s1");
      return null;
    });
    SessionMessage patch = next().orElseThrow();
    assertThat(patch.getRemovedSecretIdsList()).containsExactly("s1");
    assertThat(patch.getSecretsList()).isEmpty();
    assertThat(patch.getRemovedTaskIdsList()).isEmpty();
  }

  @Test
  void aTaskRefusedByASecretsZoneIsNeverSentAndWithdrawnIfTheZoneChanges() throws Exception {
    store.update(tx -> {
      tx.put(node("b", "zone", "b"));
      tx.put(secret("pci", "pci", List.of("node.labels.zone==a")));
      tx.put(secret("open", "open", List.of()));
      tx.put(task("refused", "b", TaskState.TASK_STATE_ASSIGNED, "open", "pci"));
      tx.put(task("fine", "b", TaskState.TASK_STATE_ASSIGNED, "open"));
      return null;
    });
    SessionMessage first = next().orElseThrow();
    assertThat(first.getTasksList()).extracting(Task::getId).containsExactly("fine");
    assertThat(first.getSecretsList()).extracting(AssignedSecret::getId).containsExactly("open");
    assertThat(first.toString()).doesNotContain("value-pci");

    // The open secret is zoned away from b: its task and the secret go.
    store.update(tx -> {
      tx.put(secret("open", "open", List.of("node.labels.zone==a")));
      return null;
    });
    SessionMessage patch = next().orElseThrow();
    assertThat(patch.getRemovedTaskIdsList()).containsExactly("fine");
    assertThat(patch.getRemovedSecretIdsList()).containsExactly("open");
    assertThat(patch.getTasksList()).isEmpty();
    assertThat(patch.getSecretsList()).isEmpty();
  }

  @Test
  void theNodeManagersPeriodAndLogSubscriptionsAreSentWhenTheyChange() throws Exception {
    store.update(tx -> {
      tx.put(node("a", "zone", "a"));
      return null;
    });
    next().orElseThrow();
    store.update(tx -> {
      tx.put(node("a", "zone", "a2"));
      return null;
    });
    List<ManagerPeer> more = List.of(MANAGERS.get(0),
        ManagerPeer.newBuilder().setNodeId("m2").setAddr("10.0.0.2:4242").build());
    LogSubscription logs = LogSubscription.newBuilder().setId("sub1").addTaskIds("t1").build();
    SessionMessage patch = next(2000, more, List.of(logs)).orElseThrow();
    assertThat(patch.getNode().getSpec().getLabelsMap()).containsEntry("zone", "a2");
    assertThat(patch.getManagersList()).isEqualTo(more);
    assertThat(patch.getHeartbeatPeriodMs()).isEqualTo(2000);
    assertThat(patch.getLogSubscriptionsList()).containsExactly(logs);
    assertThat(next(2000, more, List.of(logs))).isEmpty();

    SessionMessage ended = next(2000, more, List.of()).orElseThrow();
    assertThat(ended.getRemovedLogSubscriptionIdsList()).containsExactly("sub1");
    assertThat(ended.hasNode()).isFalse();
  }

  private static final String OLD_ROOT = "-----BEGIN CERTIFICATE-----\nold\n-----END CERTIFICATE-----\n";
  private static final String BOTH_ROOTS = OLD_ROOT + "-----BEGIN CERTIFICATE-----\nnew\n-----END CERTIFICATE-----\n";

  @Test
  void theTrustedRootsAreSentFirstAndThenOnlyWhenARootRotationChangesThem() throws Exception {
    store.update(tx -> {
      tx.put(node("a", "zone", "a"));
      return null;
    });
    assertThat(next().orElseThrow().getTrustedRootsPem()).isEqualTo(OLD_ROOT);
    assertThat(next()).isEmpty();
    SessionMessage rotating = next(5000, MANAGERS, List.of(), BOTH_ROOTS).orElseThrow();
    assertThat(rotating.getKind()).isEqualTo(SessionMessageKind.SESSION_MESSAGE_KIND_INCREMENTAL);
    assertThat(rotating.getTrustedRootsPem()).isEqualTo(BOTH_ROOTS);
    assertThat(next(5000, MANAGERS, List.of(), BOTH_ROOTS)).isEmpty();
  }

  private Optional<SessionMessage> next() {
    return next(5000, MANAGERS, List.of());
  }

  private Optional<SessionMessage> next(long period, List<ManagerPeer> managers, List<LogSubscription> logs) {
    return next(period, managers, logs, OLD_ROOT);
  }

  private Optional<SessionMessage> next(
      long period, List<ManagerPeer> managers, List<LogSubscription> logs, String roots) {
    ReadView view = store.view();
    var node = view.nodes().getFirst();
    return held.next(new SessionContent(node, period, managers, Assignments.of(view, node), logs, roots));
  }
}
