package io.baton.agent;

import io.baton.api.DispatcherGrpc;
import io.baton.api.TaskStatus;
import io.baton.api.TaskStatusUpdate;
import io.baton.api.UpdateTaskStatusRequest;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends task status changes to the manager in batches: statuses queued within one flush interval
 * travel in one call, and only the latest status per task is kept while a call is pending or the
 * session is down, so a flapping task cannot flood the manager. Failed sends are retried.
 */
public final class StatusReporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusReporter.class);
  /** Batching window: short enough for snappy `service ps`, long enough to batch a burst. */
  private static final Duration FLUSH_INTERVAL = Duration.ofMillis(100);

  private final Supplier<Channel> channel;
  private final Supplier<Optional<String>> sessionId;
  private final Duration rpcTimeout;
  private final Map<String, TaskStatus> pending = new LinkedHashMap<>();
  private final ScheduledFuture<?> flusher;

  public StatusReporter(
      Supplier<Channel> channel,
      Supplier<Optional<String>> sessionId,
      Duration rpcTimeout,
      ScheduledExecutorService scheduler) {
    this.channel = channel;
    this.sessionId = sessionId;
    this.rpcTimeout = rpcTimeout;
    this.flusher = scheduler.scheduleWithFixedDelay(
        this::flush, FLUSH_INTERVAL.toMillis(), FLUSH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Queues a task's new status (thread-safe). */
  public synchronized void report(String taskId, TaskStatus status) {
    pending.remove(taskId);
    pending.put(taskId, status);
  }

  private void flush() {
    Optional<String> session = sessionId.get();
    List<TaskStatusUpdate> batch;
    synchronized (this) {
      if (pending.isEmpty() || session.isEmpty()) {
        return;
      }
      batch = new ArrayList<>();
      pending.forEach((id, status) -> batch.add(TaskStatusUpdate.newBuilder().setTaskId(id).setStatus(status).build()));
      pending.clear();
    }
    try {
      DispatcherGrpc.newBlockingStub(channel.get())
          .withDeadlineAfter(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .updateTaskStatus(UpdateTaskStatusRequest.newBuilder()
              .setSessionId(session.get()).addAllUpdates(batch).build());
    } catch (StatusRuntimeException e) {
      log.debug("task status report failed ({}); will retry", e.getStatus());
      synchronized (this) {
        for (TaskStatusUpdate update : batch) {
          pending.putIfAbsent(update.getTaskId(), update.getStatus());
        }
      }
    }
  }

  @Override
  public void close() {
    flusher.cancel(false);
  }
}
