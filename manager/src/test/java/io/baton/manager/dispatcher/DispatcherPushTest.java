package io.baton.manager.dispatcher;

import static io.baton.manager.dispatcher.Fixtures.node;
import static io.baton.manager.dispatcher.Fixtures.secret;
import static io.baton.manager.dispatcher.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.baton.api.AssignedSecret;
import io.baton.api.HeartbeatRequest;
import io.baton.api.HeartbeatResponse;
import io.baton.api.Node;
import io.baton.api.NodeState;
import io.baton.api.Principal;
import io.baton.api.SessionMessage;
import io.baton.api.SessionMessageKind;
import io.baton.api.SessionRequest;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.ca.NodeIdentity;
import io.baton.ca.Role;
import io.baton.manager.auth.Caller;
import io.baton.manager.logbroker.LogBroker;
import io.baton.store.InMemoryClusterStore;
import io.baton.store.StoreException;
import io.baton.store.Tx;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher over a real in-memory store: store changes are batched per node, and each goes
 * only to the nodes it concerns. Batch windows are ended by the test ({@link ManualBatches}).
 */
class DispatcherPushTest {
  private final InMemoryClusterStore store = new InMemoryClusterStore();
  private final ManualBatches scheduler = new ManualBatches();
  private final AtomicLong lastEvent = new AtomicLong();
  private Dispatcher dispatcher;

  @BeforeEach
  void start() throws StoreException {
    var config = DispatcherConfig.defaults();
    LogBroker logs = new LogBroker(store, new SecureRandom(), scheduler, nodes -> dispatcher.push(nodes));
    dispatcher = new Dispatcher(store, config, Clock.systemUTC(), new SecureRandom(), scheduler, logs);
    dispatcher.start();
    store.watch(event -> lastEvent.set(event.index()));
    write(tx -> {
      tx.put(node("a", "zone", "a"));
      tx.put(node("b", "zone", "b"));
      tx.put(secret("s1", "one", List.of()));
      tx.put(secret("s2", "two", List.of()));
      return null;
    });
  }

  @AfterEach
  void stop() {
    dispatcher.close();
    scheduler.shutdownNow();
    store.close();
  }

  @Test
  void aBurstOfTaskChangesReachesTheNodeAsOneIncrementalMessage() throws Exception {
    Session a = open("a");
    assertThat(a.messages).singleElement()
        .satisfies(m -> assertThat(m.getKind()).isEqualTo(SessionMessageKind.SESSION_MESSAGE_KIND_COMPLETE));
    for (int i = 0; i < 100; i++) {
      Task task = task("t" + i, "a", TaskState.TASK_STATE_ASSIGNED, "s1");
      write(tx -> {
        tx.put(task);
        return null;
      });
    }
    endBatch();
    assertThat(a.messages).hasSize(2);
    SessionMessage patch = a.messages.get(1);
    assertThat(patch.getKind()).isEqualTo(SessionMessageKind.SESSION_MESSAGE_KIND_INCREMENTAL);
    assertThat(patch.getTasksCount()).isEqualTo(100);
    assertThat(patch.getSecretsList()).extracting(AssignedSecret::getId).containsExactly("s1");

    // The node reports the tasks running: nothing goes back to it.
    for (int i = 0; i < 100; i++) {
      Task running = task("t" + i, "a", TaskState.TASK_STATE_RUNNING, "s1");
      write(tx -> {
        tx.put(running);
        return null;
      });
    }
    endBatch();
    assertThat(a.messages).hasSize(2);
  }

  @Test
  void aSecretChangeReachesOnlyTheNodesHoldingIt() throws Exception {
    write(tx -> {
      tx.put(task("ta", "a", TaskState.TASK_STATE_RUNNING, "s1"));
      tx.put(task("tb", "b", TaskState.TASK_STATE_RUNNING, "s2"));
      return null;
    });
    Session a = open("a");
    Session b = open("b");
    endBatch();
    write(tx -> {
      tx.put(secret("s1", "one", List.of()).toBuilder().setData(ByteString.copyFromUtf8("new")).build());
      return null;
    });
    write(tx -> {
      tx.put(secret("s3", "three", List.of()));
      return null;
    });
    endBatch();
    assertThat(b.messages).hasSize(1);
    assertThat(a.messages).hasSize(2);
    assertThat(a.messages.get(1).getRemovedSecretIdsList()).containsExactly("s1");
    assertThat(a.messages.get(1).getSecretsList()).singleElement()
        .satisfies(s -> assertThat(s.getData().toStringUtf8()).isEqualTo("new"));
    assertThat(a.messages.toString()).doesNotContain("value-s2", "value-s3");
    assertThat(b.messages.toString()).doesNotContain("value-s1", "new", "value-s3");
  }

  @Test
  void aTaskThatMovesTakesItsSecretFromTheOldNodeToTheNewOne() throws Exception {
    write(tx -> {
      tx.put(task("t1", "a", TaskState.TASK_STATE_RUNNING, "s1"));
      return null;
    });
    Session a = open("a");
    Session b = open("b");
    assertThat(a.messages.getFirst().getSecretsList()).extracting(AssignedSecret::getId).containsExactly("s1");
    assertThat(b.messages.getFirst().getSecretsList()).isEmpty();
    write(tx -> {
      tx.put(task("t1", "a", TaskState.TASK_STATE_SHUTDOWN, "s1"));
      tx.put(task("t2", "b", TaskState.TASK_STATE_ASSIGNED, "s1"));
      return null;
    });
    endBatch();
    SessionMessage fromA = a.messages.getLast();
    assertThat(fromA.getRemovedTaskIdsList()).containsExactly("t1");
    assertThat(fromA.getRemovedSecretIdsList()).containsExactly("s1");
    assertThat(fromA.getSecretsList()).isEmpty();
    assertThat(fromA.toString()).doesNotContain("value-s1");
    SessionMessage toB = b.messages.getLast();
    assertThat(toB.getTasksList()).extracting(Task::getId).containsExactly("t2");
    assertThat(toB.getSecretsList()).extracting(AssignedSecret::getId).containsExactly("s1");

    // A deleted task is withdrawn from the node that held it, though the deletion names no node.
    write(tx -> {
      tx.deleteTask("t2");
      return null;
    });
    endBatch();
    assertThat(b.messages.getLast().getRemovedTaskIdsList()).containsExactly("t2");
    assertThat(b.messages.getLast().getRemovedSecretIdsList()).containsExactly("s1");
    assertThat(a.messages.getLast()).isSameAs(fromA);
  }

  /** Writes and waits until the dispatcher has seen the write. */
  private void write(Function<Tx, ?> change) throws StoreException {
    store.update(change);
    long index = store.view().appliedIndex();
    await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(10))
        .until(() -> lastEvent.get() >= index);
  }

  private void endBatch() {
    scheduler.runBatches();
  }

  /**
   * A new leader's take-over may mark a node unknown in the instant its session is being opened
   * (seen in the fault trials: the node then stayed unknown for minutes, never ready, never down).
   * The next heartbeat of the live session makes it ready again.
   */
  @Test
  void aHeartbeatOfALiveSessionMakesItsNodeReadyAgain() throws Exception {
    Session a = open("a");
    String sessionId = a.messages.get(0).getSessionId();
    assertThat(store.view().node("a").orElseThrow().getStatus().getState()).isEqualTo(NodeState.NODE_STATE_READY);
    write(tx -> {
      Node node = tx.node("a").orElseThrow();
      tx.put(node.toBuilder().setStatus(node.getStatus().toBuilder().setState(NodeState.NODE_STATE_UNKNOWN)).build());
      return null;
    });

    var caller = new Caller.Node(new NodeIdentity("a", Role.WORKER, "cluster"), Principal.PRINCIPAL_WORKER, "127.0.0.1:1");
    var answer = new CompletableFuture<HeartbeatResponse>();
    Context.current().withValue(Caller.CONTEXT_KEY, caller).run(() -> dispatcher.heartbeat(
        HeartbeatRequest.newBuilder().setSessionId(sessionId).build(), new StreamObserver<>() {
          @Override
          public void onNext(HeartbeatResponse value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        }));
    answer.get(10, TimeUnit.SECONDS);
    assertThat(store.view().node("a").orElseThrow().getStatus().getState()).isEqualTo(NodeState.NODE_STATE_READY);
  }

  private Session open(String nodeId) {
    Session session = new Session();
    var caller = new Caller.Node(new NodeIdentity(nodeId, Role.WORKER, "cluster"), Principal.PRINCIPAL_WORKER, "127.0.0.1:1");
    Context.current().withValue(Caller.CONTEXT_KEY, caller)
        .run(() -> dispatcher.session(SessionRequest.getDefaultInstance(), session));
    return session;
  }

  /** Runs what is scheduled with a delay (the batch flushes) only when the test says so. */
  private static final class ManualBatches extends ScheduledThreadPoolExecutor {
    private final List<Runnable> batches = new ArrayList<>();

    ManualBatches() {
      super(1);
    }

    @Override
    public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      batches.add(command);
      return null;
    }

    synchronized void runBatches() {
      List<Runnable> due = List.copyOf(batches);
      batches.clear();
      due.forEach(Runnable::run);
    }
  }

  /** A session's server-side stream, recording what is pushed. */
  private static final class Session extends ServerCallStreamObserver<SessionMessage> {
    final List<SessionMessage> messages = new CopyOnWriteArrayList<>();

    @Override
    public void onNext(SessionMessage value) {
      messages.add(value);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {}

    @Override
    public void setCompression(String compression) {}

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void disableAutoInboundFlowControl() {}
  }
}
