package io.baton.store;

import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of {@link ClusterStore#watch} and the one daemon thread that calls them.
 *
 * <p>{@link #publish} is called by the state machine's apply thread in log order; it only queues,
 * so a slow listener never holds up Raft. Events reach every listener in that order.
 */
final class Watchers implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Watchers.class);

  /**
   * How long {@link #close} lets queued deliveries finish before interrupting them; a listener
   * that closes the store from the delivery thread is not waited for.
   */
  private static final long CLOSE_GRACE_MS = 1_000;

  private final CopyOnWriteArrayList<Registration> registrations = new CopyOnWriteArrayList<>();
  private final ExecutorService thread;
  private volatile Thread deliveryThread;

  Watchers(String peerId) {
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "baton-store-watch-" + peerId);
              t.setDaemon(true);
              deliveryThread = t;
              return t;
            });
  }

  ClusterStore.Subscription add(Consumer<StoreEvent> listener) {
    Registration r = new Registration(Objects.requireNonNull(listener, "listener"));
    registrations.add(r);
    return r;
  }

  void publish(StoreEvent event) {
    if (registrations.isEmpty()) {
      return;
    }
    try {
      thread.execute(() -> deliver(event));
    } catch (RejectedExecutionException closed) {
      log.debug("store closed; dropping event at index {}", event.index());
    }
  }

  private void deliver(StoreEvent event) {
    for (Registration r : registrations) {
      if (r.closed) {
        continue;
      }
      try {
        r.listener.accept(event);
      } catch (RuntimeException e) {
        log.warn("store watch listener failed on the event at index {}", event.index(), e);
      }
    }
  }

  @Override
  public void close() {
    registrations.forEach(Registration::close);
    thread.shutdown();
    if (Thread.currentThread() == deliveryThread) {
      return;
    }
    try {
      if (!thread.awaitTermination(CLOSE_GRACE_MS, TimeUnit.MILLISECONDS)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      thread.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private final class Registration implements ClusterStore.Subscription {
    private final Consumer<StoreEvent> listener;
    private volatile boolean closed;

    Registration(Consumer<StoreEvent> listener) {
      this.listener = listener;
    }

    @Override
    public void close() {
      closed = true;
      registrations.remove(this);
    }
  }
}
