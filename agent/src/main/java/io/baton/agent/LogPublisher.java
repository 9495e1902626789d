package io.baton.agent;

import io.baton.agent.exec.LogBuffer;
import io.baton.agent.exec.LogLine;
import io.baton.agent.exec.TaskManager;
import io.baton.api.DispatcherGrpc;
import io.baton.api.LogEntry;
import io.baton.api.LogStream;
import io.baton.api.LogSubscription;
import io.baton.api.PublishLogsMessage;
import io.baton.api.PublishLogsResponse;
import io.baton.api.SessionMessage;
import io.baton.api.Task;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the log subscriptions managers push in the session: for each, streams the held output of
 * the named tasks this node runs (the last {@code tail} lines, or all), then, when following, every
 * new line until the subscription disappears from the session. Only this node's own tasks are ever
 * published; the manager re-checks that.
 */
public final class LogPublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LogPublisher.class);

  private final Supplier<Channel> channel;
  private final TaskManager tasks;
  private final Map<String, Publication> active = new HashMap<>();

  public LogPublisher(Supplier<Channel> channel, TaskManager tasks) {
    this.channel = channel;
    this.tasks = tasks;
  }

  /** Starts publications for new subscriptions in the message and ends those no longer in it. */
  public synchronized void onSession(SessionMessage message) {
    Map<String, Task> known = message.getTasksList().stream().collect(Collectors.toMap(Task::getId, t -> t, (a, b) -> a));
    Set<String> wanted = message.getLogSubscriptionsList().stream().map(LogSubscription::getId).collect(Collectors.toSet());
    active.entrySet().removeIf(e -> {
      if (!wanted.contains(e.getKey())) {
        e.getValue().end();
        return true;
      }
      return false;
    });
    for (LogSubscription subscription : message.getLogSubscriptionsList()) {
      if (!active.containsKey(subscription.getId())) {
        active.put(subscription.getId(), new Publication(subscription, known));
      }
    }
  }

  @Override
  public synchronized void close() {
    active.values().forEach(Publication::end);
    active.clear();
  }

  /** One subscription's stream to the manager. */
  private final class Publication {
    private final LogSubscription subscription;
    private final StreamObserver<PublishLogsMessage> out;
    private final List<LogBuffer.Subscription> follows = new java.util.concurrent.CopyOnWriteArrayList<>();
    private boolean ended;

    Publication(LogSubscription subscription, Map<String, Task> known) {
      this.subscription = subscription;
      this.out = DispatcherGrpc.newStub(channel.get()).publishLogs(new StreamObserver<PublishLogsResponse>() {
        @Override
        public void onNext(PublishLogsResponse value) {}

        @Override
        public void onError(Throwable t) {
          log.debug("log publication {} ended: {}", subscription.getId(), t.getMessage());
          end();
        }

        @Override
        public void onCompleted() {}
      });
      for (String taskId : subscription.getTaskIdsList()) {
        Task task = known.get(taskId);
        tasks.logs(taskId).ifPresent(buffer -> start(task, taskId, buffer));
      }
      if (!subscription.getFollow()) {
        send(PublishLogsMessage.newBuilder().setSubscriptionId(subscription.getId()).setClose(true).build());
        end();
      }
    }

    private void start(Task task, String taskId, LogBuffer buffer) {
      synchronized (buffer) {
        List<LogLine> held = buffer.snapshot();
        int tail = subscription.getTail();
        List<LogLine> lines = tail > 0 && held.size() > tail ? held.subList(held.size() - tail, held.size()) : held;
        send(message(task, taskId, lines));
        if (subscription.getFollow()) {
          follows.add(buffer.subscribe(line -> send(message(task, taskId, List.of(line)))));
        }
      }
    }

    private PublishLogsMessage message(Task task, String taskId, List<LogLine> lines) {
      PublishLogsMessage.Builder message = PublishLogsMessage.newBuilder().setSubscriptionId(subscription.getId());
      for (LogLine line : lines) {
        message.addEntries(LogEntry.newBuilder()
            .setTaskId(taskId)
            .setServiceName(task == null ? "" : task.getServiceName())
            .setSlot(task == null ? 0 : task.getSlot())
            .setTimestampMs(line.time().toEpochMilli())
            .setStream(line.source() == LogLine.Source.STDERR ? LogStream.LOG_STREAM_STDERR : LogStream.LOG_STREAM_STDOUT)
            .setText(line.text()));
      }
      return message.build();
    }

    private synchronized void send(PublishLogsMessage message) {
      if (!ended) {
        out.onNext(message);
      }
    }

    /** Lock order is buffer, then publication: follow subscriptions are closed outside this lock. */
    void end() {
      List<LogBuffer.Subscription> toClose;
      synchronized (this) {
        if (ended) {
          return;
        }
        ended = true;
        toClose = List.copyOf(follows);
      }
      toClose.forEach(LogBuffer.Subscription::close);
      synchronized (this) {
        out.onCompleted();
      }
    }
  }
}
