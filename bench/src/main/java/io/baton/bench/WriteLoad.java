package io.baton.bench;

import io.baton.api.Node;
import io.baton.api.NodeRole;
import io.baton.api.NodeSpec;
import io.baton.api.Service;
import io.baton.api.ServiceSpec;
import io.baton.store.ClusterStore;
import io.baton.store.StoreException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The writers of one {@link WriteBench} run: {@code writers} threads, each calling {@code update()}
 * back to back; every call reads one of the writer's own {@value #OBJECTS_PER_WRITER} objects
 * (alternately a Node and a Service of ~100 bytes) and puts it back with its {@code seq} label
 * changed, i.e. one small committed change per call. Writers never touch each other's objects, so
 * no write conflicts with another: the figure is the store's write path, not retries.
 */
final class WriteLoad {
  static final int OBJECTS_PER_WRITER = 8;
  /** Pause after a failed update, so a store that refuses writes is not spun on. */
  private static final long ERROR_PAUSE_MS = 10;

  /** What one measured window saw. */
  record Result(long changes, long nanos, long entries, long errors, long[] latencyNanos) {
    double perSecond() {
      return changes / (nanos / 1e9);
    }

    /** Committed changes per Raft log entry that carried changes (Ratis's own entries not counted). */
    double changesPerEntry() {
      return entries == 0 ? 0 : (double) changes / entries;
    }

    double latencyMs(double quantile) {
      if (latencyNanos.length == 0) {
        return 0;
      }
      int i = (int) Math.min(latencyNanos.length - 1, Math.floor(quantile * latencyNanos.length));
      return latencyNanos[i] / 1e6;
    }
  }

  private final ClusterStore store;
  private final WriteBenchParams params;
  private final LongAdder changes = new LongAdder();
  private final LongAdder errors = new LongAdder();
  /** Log entries that changed objects, counted on the store's event thread (one index each). */
  private final AtomicLong entries = new AtomicLong();
  private long lastEventIndex;
  private volatile boolean measuring;
  private volatile boolean stop;

  private WriteLoad(ClusterStore store, WriteBenchParams params) {
    this.store = store;
    this.params = params;
  }

  /** Warms up, then measures one window; all writers have stopped when it returns. */
  static Result run(ClusterStore store, WriteBenchParams params) throws InterruptedException {
    return new WriteLoad(store, params).run();
  }

  private Result run() throws InterruptedException {
    List<Writer> writers = new ArrayList<>();
    for (int w = 0; w < params.writers(); w++) {
      Writer writer = new Writer(w);
      writers.add(writer);
      writer.thread.start();
    }
    ClusterStore.Subscription events = store.watch(e -> {
      if (e.index() != lastEventIndex) {
        lastEventIndex = e.index();
        entries.incrementAndGet();
      }
    });
    try {
      Thread.sleep(params.warmup().toMillis());
      long entries0 = entries.get();
      long changes0 = changes.sum();
      long errors0 = errors.sum();
      long start = System.nanoTime();
      measuring = true;
      Thread.sleep(params.window().toMillis());
      measuring = false;
      long nanos = System.nanoTime() - start;
      long committed = changes.sum() - changes0;
      long failed = errors.sum() - errors0;
      long logEntries = entries.get() - entries0;
      stop = true;
      for (Writer w : writers) {
        w.thread.join();
      }
      long[] latencies = writers.stream().flatMapToLong(w -> Arrays.stream(w.latencies())).sorted().toArray();
      return new Result(committed, nanos, logEntries, failed, latencies);
    } finally {
      events.close();
      stop = true;
      for (Writer w : writers) {
        w.thread.join();
      }
    }
  }

  /** One writer thread and the latencies of its updates that started inside the window. */
  private final class Writer {
    private final Thread thread;
    private final String[] ids = new String[OBJECTS_PER_WRITER];
    private long[] latencies = new long[1_024];
    private int count;

    Writer(int w) {
      for (int j = 0; j < OBJECTS_PER_WRITER; j++) {
        ids[j] = String.format("w%04do%020d", w, j);
      }
      thread = new Thread(this::loop, "bench-writer-" + w);
      thread.setDaemon(true);
    }

    private void loop() {
      for (long seq = 0; !stop; seq++) {
        String id = ids[(int) (seq % OBJECTS_PER_WRITER)];
        boolean inWindow = measuring;
        long start = System.nanoTime();
        try {
          if (seq % 2 == 0) {
            putNode(id, seq);
          } else {
            putService(id, seq);
          }
        } catch (StoreException | RuntimeException e) {
          errors.increment();
          pause();
          continue;
        }
        long took = System.nanoTime() - start;
        changes.increment();
        if (inWindow && measuring) {
          record(took);
        }
      }
    }

    private void putNode(String id, long seq) throws StoreException {
      store.update(tx -> {
        Node.Builder n = tx.node(id).map(Node::toBuilder).orElseGet(() -> Node.newBuilder()
            .setId(id).setRole(NodeRole.NODE_ROLE_WORKER)
            .setSpec(NodeSpec.newBuilder().setDesiredRole(NodeRole.NODE_ROLE_WORKER)));
        n.getSpecBuilder().putLabels("seq", Long.toString(seq));
        tx.put(n.build());
        return null;
      });
    }

    private void putService(String id, long seq) throws StoreException {
      store.update(tx -> {
        Service.Builder s = tx.service(id).map(Service::toBuilder).orElseGet(() -> Service.newBuilder()
            .setId(id).setSpec(ServiceSpec.newBuilder().setName("bench-" + id)));
        s.getSpecBuilder().putLabels("seq", Long.toString(seq));
        tx.put(s.build());
        return null;
      });
    }

    private void record(long nanos) {
      if (count == latencies.length) {
        latencies = Arrays.copyOf(latencies, count * 2);
      }
      latencies[count++] = nanos;
    }

    long[] latencies() {
      return Arrays.copyOf(latencies, count);
    }

    private void pause() {
      try {
        Thread.sleep(ERROR_PAUSE_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
