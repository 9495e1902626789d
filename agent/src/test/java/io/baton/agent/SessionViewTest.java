package io.baton.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.baton.api.AssignedSecret;
import io.baton.api.LogSubscription;
import io.baton.api.ManagerPeer;
import io.baton.api.Node;
import io.baton.api.NodeRole;
import io.baton.api.SessionMessage;
import io.baton.api.SessionMessageKind;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/** The node's view of one session: complete replaces, incremental patches, removals first. */
class SessionViewTest {
  private static final ManagerPeer M1 = ManagerPeer.newBuilder().setNodeId("m1").setAddr("10.0.0.1:4242").build();
  private static final ManagerPeer M2 = ManagerPeer.newBuilder().setNodeId("m2").setAddr("10.0.0.2:4242").build();

  private final SessionView view = new SessionView();

  @Test
  void aCompleteMessageIsTakenAsItIs() {
    SessionMessage held = view.apply(complete().addTasks(task("t1")).addSecrets(secret("s1", "v1")).build());
    assertThat(held.getTasksList()).extracting(Task::getId).containsExactly("t1");
    assertThat(held.getSecretsList()).extracting(AssignedSecret::getId).containsExactly("s1");
    assertThat(held.getManagersList()).containsExactly(M1);
    assertThat(held.getHeartbeatPeriodMs()).isEqualTo(5000);
    assertThat(held.getNode().getId()).isEqualTo("n1");
  }

  @Test
  void incrementalMessagesPatchTheHeldSet() {
    view.apply(complete().addTasks(task("t1")).addTasks(task("t2")).addSecrets(secret("s1", "v1"))
        .addLogSubscriptions(LogSubscription.newBuilder().setId("l1")).build());
    Task stopping = task("t2").toBuilder().setDesiredState(TaskState.TASK_STATE_SHUTDOWN).build();
    SessionMessage held = view.apply(incremental()
        .addRemovedTaskIds("t1")
        .addRemovedSecretIds("s1")
        .addTasks(stopping)
        .addTasks(task("t3"))
        .addSecrets(secret("s2", "v2"))
        .addRemovedLogSubscriptionIds("l1")
        .addLogSubscriptions(LogSubscription.newBuilder().setId("l2"))
        .build());
    assertThat(held.getTasksList()).containsExactly(stopping, task("t3"));
    assertThat(held.getSecretsList()).extracting(AssignedSecret::getId).containsExactly("s2");
    assertThat(held.getLogSubscriptionsList()).extracting(LogSubscription::getId).containsExactly("l2");
    // Unset in a patch: unchanged.
    assertThat(held.getManagersList()).containsExactly(M1);
    assertThat(held.getHeartbeatPeriodMs()).isEqualTo(5000);
    assertThat(held.getNode().getId()).isEqualTo("n1");

    held = view.apply(incremental().addManagers(M1).addManagers(M2).setHeartbeatPeriodMs(1000)
        .setNode(Node.newBuilder().setId("n1").setRole(NodeRole.NODE_ROLE_MANAGER)).build());
    assertThat(held.getManagersList()).containsExactly(M1, M2);
    assertThat(held.getHeartbeatPeriodMs()).isEqualTo(1000);
    assertThat(held.getNode().getRole()).isEqualTo(NodeRole.NODE_ROLE_MANAGER);
    assertThat(held.getTasksList()).extracting(Task::getId).containsExactly("t2", "t3");
  }

  @Test
  void aSecretWithdrawnAndSentAnewInOneMessageHoldsTheNewValue() {
    view.apply(complete().addTasks(task("t1")).addSecrets(secret("s1", "old")).build());
    SessionMessage held = view.apply(incremental().addRemovedSecretIds("s1").addSecrets(secret("s1", "new")).build());
    assertThat(held.getSecretsList()).singleElement()
        .satisfies(s -> assertThat(s.getData().toStringUtf8()).isEqualTo("new"));
  }

  @Test
  void theTrustedRootsAreKeptUntilAMessageBringsNewOnes() {
    view.apply(complete().setTrustedRootsPem("old").build());
    assertThat(view.apply(incremental().addTasks(task("t1")).build()).getTrustedRootsPem()).isEqualTo("old");
    assertThat(view.apply(incremental().setTrustedRootsPem("old+new").build()).getTrustedRootsPem())
        .isEqualTo("old+new");
  }

  @Test
  void aLaterCompleteMessageReplacesEverything() {
    view.apply(complete().addTasks(task("t1")).addSecrets(secret("s1", "v1")).build());
    SessionMessage held = view.apply(complete().addTasks(task("t9")).build());
    assertThat(held.getTasksList()).extracting(Task::getId).containsExactly("t9");
    assertThat(held.getSecretsList()).isEmpty();
  }

  @Test
  void anIncrementalMessageBeforeTheCompleteSetEndsTheSession() {
    assertThatThrownBy(() -> view.apply(incremental().addTasks(task("t1")).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
  }

  @Test
  void aRemovalNoticePassesThrough() {
    view.apply(complete().addTasks(task("t1")).build());
    SessionMessage removed = incremental().setRemoved(true).build();
    assertThat(view.apply(removed)).isSameAs(removed);
  }

  private static SessionMessage.Builder complete() {
    return SessionMessage.newBuilder().setSessionId("s").setKind(SessionMessageKind.SESSION_MESSAGE_KIND_COMPLETE)
        .setHeartbeatPeriodMs(5000).addManagers(M1).setNode(Node.newBuilder().setId("n1"));
  }

  private static SessionMessage.Builder incremental() {
    return SessionMessage.newBuilder().setSessionId("s").setKind(SessionMessageKind.SESSION_MESSAGE_KIND_INCREMENTAL);
  }

  private static Task task(String id) {
    return Task.newBuilder().setId(id).setDesiredState(TaskState.TASK_STATE_RUNNING).build();
  }

  private static AssignedSecret secret(String id, String value) {
    return AssignedSecret.newBuilder().setId(id).setName(id).setData(ByteString.copyFromUtf8(value)).build();
  }
}
