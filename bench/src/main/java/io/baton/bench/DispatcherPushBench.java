package io.baton.bench;

import com.google.protobuf.ByteString;
import io.baton.api.ContainerSpec;
import io.baton.api.Node;
import io.baton.api.NodeRole;
import io.baton.api.Principal;
import io.baton.api.Secret;
import io.baton.api.SecretReference;
import io.baton.api.SecretSpec;
import io.baton.api.SessionMessage;
import io.baton.api.SessionMessageKind;
import io.baton.api.SessionRequest;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import io.baton.ca.NodeIdentity;
import io.baton.ca.Role;
import io.baton.manager.auth.Caller;
import io.baton.manager.dispatcher.Dispatcher;
import io.baton.manager.dispatcher.DispatcherConfig;
import io.baton.manager.logbroker.LogBroker;
import io.baton.store.InMemoryClusterStore;
import io.baton.store.StoreException;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the dispatcher pushes while a 1,000-task service comes up on 10 simulated nodes, over the
 * in-memory store (no network): the tasks, which all reference one secret, are assigned in 10
 * scheduler passes of 100, then each node reports each of its tasks through ACCEPTED, PREPARING,
 * STARTING and RUNNING in status batches of 10 (as the agent's 100 ms status batching would), 410
 * store writes in all. Prints the session messages and bytes pushed and the wall time until every
 * node holds all its tasks and the dispatcher has gone quiet, for {@code --runs N} runs (default 3).
 * Run: {@code scripts/bench.sh dispatcher [--runs N]}.
 */
public final class DispatcherPushBench {
  private static final int NODES = 10;
  private static final int TASKS = 1_000;
  private static final int PASS = 100;
  private static final int STATUS_BATCH = 10;
  private static final List<TaskState> REPORTED = List.of(TaskState.TASK_STATE_ACCEPTED,
      TaskState.TASK_STATE_PREPARING, TaskState.TASK_STATE_STARTING, TaskState.TASK_STATE_RUNNING);

  private DispatcherPushBench() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length == 2 && args[0].equals("--runs") ? Integer.parseInt(args[1]) : 3;
    System.out.println("run  writes  messages  bytes      ms");
    for (int r = 0; r <= runs; r++) {
      Result result = run();
      if (r > 0) {
        System.out.printf(Locale.ROOT, "%-4d %-7d %-9d %-10d %d%n", r, result.writes, result.messages, result.bytes,
            result.millis);
      }
    }
  }

  private record Result(int writes, long messages, long bytes, long millis) {}

  private static Result run() throws StoreException, InterruptedException {
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    try (InMemoryClusterStore store = new InMemoryClusterStore()) {
      AtomicReference<Dispatcher> ref = new AtomicReference<>();
      LogBroker logs = new LogBroker(store, new SecureRandom(), scheduler, nodes -> ref.get().push(nodes));
      Dispatcher dispatcher = new Dispatcher(store, DispatcherConfig.defaults(), Clock.systemUTC(),
          new SecureRandom(), scheduler, logs);
      ref.set(dispatcher);
      dispatcher.start();
      AtomicLong seen = new AtomicLong();
      store.watch(event -> seen.set(event.index()));
      store.update(tx -> {
        for (int n = 0; n < NODES; n++) {
          tx.put(Node.newBuilder().setId("node" + n).setRole(NodeRole.NODE_ROLE_WORKER).build());
        }
        tx.put(Secret.newBuilder().setId("db").setSpec(SecretSpec.newBuilder().setName("db"))
            .setData(ByteString.copyFromUtf8("x".repeat(256))).build());
        return null;
      });
      List<Session> sessions = new ArrayList<>();
      for (int n = 0; n < NODES; n++) {
        Session session = new Session();
        var caller = new Caller.Node(new NodeIdentity("node" + n, Role.WORKER, "bench"), Principal.PRINCIPAL_WORKER, "127.0.0.1:1");
        Context.current().withValue(Caller.CONTEXT_KEY, caller)
            .run(() -> dispatcher.session(SessionRequest.getDefaultInstance(), session));
        sessions.add(session);
      }
      awaitQuiet(store, seen, sessions);
      sessions.forEach(Session::reset);

      long start = System.nanoTime();
      int writes = 0;
      for (int p = 0; p < TASKS / PASS; p++) {
        int first = p * PASS;
        store.update(tx -> {
          for (int i = first; i < first + PASS; i++) {
            tx.put(task(i, TaskState.TASK_STATE_ASSIGNED));
          }
          return null;
        });
        writes++;
      }
      for (TaskState state : REPORTED) {
        for (int n = 0; n < NODES; n++) {
          List<Integer> own = new ArrayList<>();
          for (int i = n; i < TASKS; i += NODES) {
            own.add(i);
          }
          for (int b = 0; b < own.size(); b += STATUS_BATCH) {
            List<Integer> batch = own.subList(b, Math.min(own.size(), b + STATUS_BATCH));
            store.update(tx -> {
              batch.forEach(i -> tx.put(task(i, state)));
              return null;
            });
            writes++;
          }
        }
      }
      awaitQuiet(store, seen, sessions);
      long millis = (System.nanoTime() - start) / 1_000_000;
      for (Session s : sessions) {
        if (s.held.size() != TASKS / NODES) {
          throw new IllegalStateException("a node holds " + s.held.size() + " tasks, not " + TASKS / NODES);
        }
      }
      dispatcher.close();
      return new Result(writes, sessions.stream().mapToLong(s -> s.messages.get()).sum(),
          sessions.stream().mapToLong(s -> s.bytes.get()).sum(), millis);
    } finally {
      scheduler.shutdownNow();
    }
  }

  /** Waits until the dispatcher has seen every write and nothing was pushed for 300 ms. */
  private static void awaitQuiet(InMemoryClusterStore store, AtomicLong seen, List<Session> sessions)
      throws InterruptedException {
    long index = store.view().appliedIndex();
    while (seen.get() < index) {
      Thread.sleep(1);
    }
    long before;
    do {
      before = sessions.stream().mapToLong(s -> s.messages.get()).sum();
      Thread.sleep(300);
    } while (sessions.stream().mapToLong(s -> s.messages.get()).sum() != before);
  }

  private static Task task(int i, TaskState state) {
    return Task.newBuilder().setId("task" + i).setNodeId("node" + (i % NODES)).setServiceId("svc")
        .setServiceName("svc").setSlot(i + 1)
        .setSpec(TaskSpec.newBuilder().setContainer(ContainerSpec.newBuilder().setImage("busybox")
            .addCommand("sleep").addCommand("600")
            .addSecrets(SecretReference.newBuilder().setSecretId("db").setSecretName("db").setTarget("db"))))
        .setDesiredState(TaskState.TASK_STATE_RUNNING)
        .setStatus(TaskStatus.newBuilder().setState(state).setMessage(state.name().toLowerCase(Locale.ROOT)))
        .build();
  }

  /** A node's session stream: counts what is pushed and keeps the task ids the node holds. */
  private static final class Session extends ServerCallStreamObserver<SessionMessage> {
    final AtomicLong messages = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final Set<String> held = new HashSet<>();

    void reset() {
      messages.set(0);
      bytes.set(0);
    }

    @Override
    public synchronized void onNext(SessionMessage message) {
      messages.incrementAndGet();
      bytes.addAndGet(message.getSerializedSize());
      if (message.getKind() != SessionMessageKind.SESSION_MESSAGE_KIND_INCREMENTAL) {
        held.clear();
      }
      message.getRemovedTaskIdsList().forEach(held::remove);
      message.getTasksList().forEach(t -> held.add(t.getId()));
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
