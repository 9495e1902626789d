package io.baton.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.api.DispatcherGrpc;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import io.baton.api.TaskStatusUpdate;
import io.baton.api.UpdateTaskStatusRequest;
import io.baton.api.UpdateTaskStatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StatusReporterTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final List<UpdateTaskStatusRequest> calls = new CopyOnWriteArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final CountDownLatch releaseFirst = new CountDownLatch(1);
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private Server server;
  private ManagedChannel channel;
  private ScheduledThreadPoolExecutor scheduler;

  private void start(ScheduledThreadPoolExecutor executor) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(new DispatcherGrpc.DispatcherImplBase() {
      @Override
      public void updateTaskStatus(UpdateTaskStatusRequest request, StreamObserver<UpdateTaskStatusResponse> out) {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
          calls.add(request);
          if (calls.size() == 1) {
            releaseFirst.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          }
          if (failuresLeft.getAndDecrement() > 0) {
            out.onError(Status.UNAVAILABLE.asRuntimeException());
            return;
          }
          out.onNext(UpdateTaskStatusResponse.getDefaultInstance());
          out.onCompleted();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          inFlight.decrementAndGet();
        }
      }
    }).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    scheduler = executor;
  }

  @AfterEach
  void stop() {
    releaseFirst.countDown();
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }

  private StatusReporter reporter() {
    return new StatusReporter(() -> channel, () -> Optional.of("session-1"), Duration.ofSeconds(10), scheduler);
  }

  private static TaskStatus status(TaskState state) {
    return TaskStatus.newBuilder().setState(state).build();
  }

  @Test
  void aStatusIsSentAtOnceAndThoseQueuedMeanwhileTravelTogetherOneCallAtATime() throws Exception {
    start(new NoPeriodicTicks()); // only the prompt path can send anything
    StatusReporter reporter = reporter();

    reporter.report("t1", status(TaskState.TASK_STATE_ACCEPTED));
    await().atMost(TIMEOUT).until(() -> calls.size() == 1);
    reporter.report("t1", status(TaskState.TASK_STATE_STARTING));
    reporter.report("t2", status(TaskState.TASK_STATE_ACCEPTED));
    reporter.report("t1", status(TaskState.TASK_STATE_RUNNING));
    releaseFirst.countDown();
    await().atMost(TIMEOUT).until(() -> calls.size() == 2);

    assertThat(calls.get(0).getUpdatesList()).extracting(TaskStatusUpdate::getTaskId).containsExactly("t1");
    assertThat(calls.get(1).getUpdatesList())
        .extracting(u -> u.getTaskId() + "=" + u.getStatus().getState())
        .containsExactly("t2=TASK_STATE_ACCEPTED", "t1=TASK_STATE_RUNNING");
    assertThat(maxInFlight.get()).isEqualTo(1);
    reporter.close();
  }

  @Test
  void aFailedSendIsRetriedWithTheLatestStatus() throws Exception {
    start(new ScheduledThreadPoolExecutor(1));
    failuresLeft.set(1);
    releaseFirst.countDown();
    StatusReporter reporter = reporter();

    reporter.report("t1", status(TaskState.TASK_STATE_RUNNING));

    await().atMost(TIMEOUT).until(() -> calls.size() >= 2);
    assertThat(calls.get(1).getUpdatesList()).extracting(u -> u.getTaskId() + "=" + u.getStatus().getState())
        .containsExactly("t1=TASK_STATE_RUNNING");
    reporter.close();
  }

  /** A scheduler whose periodic tasks never run: what it sends, it sent at once. */
  private static final class NoPeriodicTicks extends ScheduledThreadPoolExecutor {
    NoPeriodicTicks() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
      return schedule(() -> { }, 1, TimeUnit.DAYS);
    }
  }
}
