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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends task status changes to the manager promptly and in batches: a status is sent at once when no
 * call is under way; statuses queued while one is travel together in the next call, and only the
 * latest status per task is kept while a call is pending or the session is down, so a flapping task
 * cannot flood the manager. One call at a time, so a task's statuses arrive in order. Failed sends
 * are retried every {@link #RETRY_INTERVAL}.
 */
public final class StatusReporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusReporter.class);
  /** Pause before a failed or deferred (no session yet) send is tried again. */
  private static final Duration RETRY_INTERVAL = Duration.ofMillis(100);

  private final Supplier<Channel> channel;
  private final Supplier<Optional<String>> sessionId;
  private final Duration rpcTimeout;
  private final ScheduledExecutorService scheduler;
  private final Map<String, TaskStatus> pending = new LinkedHashMap<>();
  private final ScheduledFuture<?> flusher;
  /** Guarded by {@code this}: a flush is queued on the scheduler. */
  private boolean queued;
  /** Guarded by {@code this}: a call is under way. */
  private boolean sending;

  public StatusReporter(
      Supplier<Channel> channel,
      Supplier<Optional<String>> sessionId,
      Duration rpcTimeout,
      ScheduledExecutorService scheduler) {
    this.channel = channel;
    this.sessionId = sessionId;
    this.rpcTimeout = rpcTimeout;
    this.scheduler = scheduler;
    this.flusher = scheduler.scheduleWithFixedDelay(
        this::flush, RETRY_INTERVAL.toMillis(), RETRY_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Queues a task's new status and sends it as soon as no other call is under way (thread-safe). */
  public synchronized void report(String taskId, TaskStatus status) {
    pending.remove(taskId);
    pending.put(taskId, status);
    if (!queued && !sending) {
      try {
        scheduler.execute(this::flush);
        queued = true;
      } catch (RejectedExecutionException e) {
        log.debug("task status of {} not sent: the node is stopping", taskId);
      }
    }
  }

  /** Sends what is pending, and again while more arrived during the call; stops at a failure. */
  private void flush() {
    while (true) {
      Optional<String> session = sessionId.get();
      List<TaskStatusUpdate> batch;
      synchronized (this) {
        queued = false;
        if (sending || pending.isEmpty() || session.isEmpty()) {
          return;
        }
        sending = true;
        batch = new ArrayList<>();
        pending.forEach((id, status) -> batch.add(TaskStatusUpdate.newBuilder().setTaskId(id).setStatus(status).build()));
        pending.clear();
      }
      boolean sent = false;
      try {
        DispatcherGrpc.newBlockingStub(channel.get())
            .withDeadlineAfter(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .updateTaskStatus(UpdateTaskStatusRequest.newBuilder()
                .setSessionId(session.get()).addAllUpdates(batch).build());
        sent = true;
      } catch (StatusRuntimeException e) {
        log.debug("task status report failed ({}); will retry", e.getStatus());
        synchronized (this) {
          for (TaskStatusUpdate update : batch) {
            pending.putIfAbsent(update.getTaskId(), update.getStatus());
          }
        }
      } finally {
        synchronized (this) {
          sending = false;
        }
      }
      if (!sent) {
        return;
      }
    }
  }

  @Override
  public void close() {
    flusher.cancel(false);
  }
}
