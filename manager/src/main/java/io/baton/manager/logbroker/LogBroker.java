package io.baton.manager.logbroker;

import io.baton.api.LogEntry;
import io.baton.api.LogSubscription;
import io.baton.api.PublishLogsMessage;
import io.baton.api.PublishLogsResponse;
import io.baton.api.Task;
import io.baton.ca.Identifiers;
import io.baton.store.ClusterStore;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Carries task output from the nodes that run the tasks to an operator's {@code service logs}.
 * Push only: a subscription reaches the nodes in their session messages, and each node publishes
 * the lines of its own tasks. A node may publish only for tasks of the subscription that the store
 * assigns to it; anything else fails its whole stream with PERMISSION_DENIED.
 */
public final class LogBroker {
  /** How long a one-shot (not following) request waits for nodes that never answer (e.g. down). */
  private static final Duration ONE_SHOT_LIMIT = Duration.ofSeconds(10);

  private final ClusterStore store;
  private final SecureRandom random;
  private final ScheduledExecutorService scheduler;
  private final Consumer<Set<String>> pushToNodes;
  private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();

  /** @param pushToNodes re-sends the session messages of these nodes (the dispatcher's job) */
  public LogBroker(ClusterStore store, SecureRandom random, ScheduledExecutorService scheduler,
      Consumer<Set<String>> pushToNodes) {
    this.store = store;
    this.random = random;
    this.scheduler = scheduler;
    this.pushToNodes = pushToNodes;
  }

  private static final class Subscription {
    final LogSubscription request;
    final Map<String, Set<String>> tasksByNode;
    final Set<String> open;
    final ServerCallStreamObserver<LogEntry> out;
    boolean done;

    Subscription(LogSubscription request, Map<String, Set<String>> tasksByNode, ServerCallStreamObserver<LogEntry> out) {
      this.request = request;
      this.tasksByNode = tasksByNode;
      this.open = new HashSet<>(tasksByNode.keySet());
      this.out = out;
    }

    synchronized void send(List<LogEntry> entries) {
      if (!done && !out.isCancelled()) {
        entries.forEach(out::onNext);
      }
    }

    synchronized boolean closeNode(String nodeId) {
      open.remove(nodeId);
      return open.isEmpty();
    }

    synchronized void complete() {
      if (!done) {
        done = true;
        if (!out.isCancelled()) {
          out.onCompleted();
        }
      }
    }
  }

  /** Starts streaming the output of {@code tasks} (those with a node) to {@code out}. */
  public void subscribe(List<Task> tasks, boolean follow, int tail, ServerCallStreamObserver<LogEntry> out) {
    Map<String, Set<String>> byNode = tasks.stream().filter(t -> !t.getNodeId().isEmpty())
        .collect(Collectors.groupingBy(Task::getNodeId, Collectors.mapping(Task::getId, Collectors.toSet())));
    LogSubscription request = LogSubscription.newBuilder().setId(Identifiers.newId(random))
        .addAllTaskIds(byNode.values().stream().flatMap(Set::stream).sorted().toList())
        .setFollow(follow).setTail(tail).build();
    Subscription subscription = new Subscription(request, byNode, out);
    if (byNode.isEmpty()) {
      subscription.complete();
      return;
    }
    subscriptions.put(request.getId(), subscription);
    out.setOnCancelHandler(() -> end(subscription));
    if (!follow) {
      scheduler.schedule(() -> end(subscription), ONE_SHOT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    }
    pushToNodes.accept(byNode.keySet());
  }

  /** The subscriptions a node should serve, each narrowed to that node's tasks. */
  public List<LogSubscription> forNode(String nodeId) {
    return subscriptions.values().stream()
        .filter(s -> s.open.contains(nodeId))
        .map(s -> s.request.toBuilder().clearTaskIds().addAllTaskIds(s.tasksByNode.get(nodeId)).build())
        .toList();
  }

  /** The receiving end of one node's PublishLogs stream. */
  public StreamObserver<PublishLogsMessage> publish(String nodeId, StreamObserver<PublishLogsResponse> response) {
    return new StreamObserver<>() {
      private boolean refused;

      @Override
      public void onNext(PublishLogsMessage message) {
        if (refused) {
          return;
        }
        Subscription subscription = subscriptions.get(message.getSubscriptionId());
        if (subscription == null) {
          return;
        }
        Set<String> allowed = subscription.tasksByNode.getOrDefault(nodeId, Set.of());
        for (LogEntry entry : message.getEntriesList()) {
          boolean own = allowed.contains(entry.getTaskId()) && store.view().task(entry.getTaskId())
              .map(t -> t.getNodeId().equals(nodeId)).orElse(false);
          if (!own) {
            refused = true;
            response.onError(Status.PERMISSION_DENIED.withDescription(
                "node " + nodeId + " may not publish logs of task " + entry.getTaskId()).asRuntimeException());
            return;
          }
        }
        subscription.send(message.getEntriesList().stream()
            .map(e -> e.toBuilder().setNodeId(nodeId).build()).toList());
        if (message.getClose() && subscription.closeNode(nodeId)) {
          end(subscription);
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        if (!refused) {
          response.onNext(PublishLogsResponse.getDefaultInstance());
          response.onCompleted();
        }
      }
    };
  }

  private void end(Subscription subscription) {
    if (subscriptions.remove(subscription.request.getId(), subscription)) {
      subscription.complete();
      pushToNodes.accept(subscription.tasksByNode.keySet());
    }
  }
}
