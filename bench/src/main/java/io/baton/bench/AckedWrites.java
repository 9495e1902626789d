package io.baton.bench;

import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceSpec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * Store writes that must survive faults: services {@code PREFIX-N} with 0 replicas (only the store
 * is exercised), created one after the other through the managers in turn; a write that fails or
 * times out is retried with the same name through the next manager. A retry answered
 * {@code ALREADY_EXISTS} means an earlier attempt was applied: it counts as acknowledged. At the
 * end, {@link #verify} checks every acknowledged name is in the store exactly once.
 *
 * <p>Thread-safe: {@link #writeOnce} may run on a background writer ({@link #startBackground})
 * while another thread reads {@link #acknowledged()}.
 */
final class AckedWrites {
  private final String prefix;
  private final int managers;
  private final IntFunction<ControlGrpc.ControlBlockingStub> control;
  private final IntPredicate usable;
  private final Duration callDeadline;
  private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  /** How each write was acknowledged, for failure messages: "created via 2 (attempt 1)"... */
  private final Map<String, String> how = new ConcurrentHashMap<>();
  private long sequence; // guarded by this
  private int target; // guarded by this
  private volatile boolean running;
  private Thread writer;
  private volatile RuntimeException failure;

  /**
   * @param control a stub for manager {@code i} (without a deadline; one is added per call)
   * @param usable whether manager {@code i} should be tried now (e.g. its process is alive)
   */
  AckedWrites(String prefix, int managers, IntFunction<ControlGrpc.ControlBlockingStub> control, IntPredicate usable,
      Duration callDeadline) {
    this.prefix = prefix;
    this.managers = managers;
    this.control = control;
    this.usable = usable;
    this.callDeadline = callDeadline;
  }

  int acknowledged() {
    return acknowledged.size();
  }

  /** Creates the next service, retrying through the managers; returns nanoTime when it was accepted. */
  long writeOnce(Duration timeout) {
    String name;
    synchronized (this) {
      name = prefix + "-" + ++sequence;
    }
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName(name)
        .setReplicated(ReplicatedService.newBuilder().setReplicas(0));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addCommand("true");
    CreateServiceRequest request = CreateServiceRequest.newBuilder().setSpec(spec).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    StringBuilder attempts = new StringBuilder();
    while (System.nanoTime() < deadline) {
      int on;
      synchronized (this) {
        on = target++ % managers;
      }
      if (!usable.test(on)) {
        pauseIfNoneUsable();
        continue;
      }
      try {
        control.apply(on).withDeadlineAfter(callDeadline.toMillis(), TimeUnit.MILLISECONDS).createService(request);
        how.put(name, attempts + "created via manager " + (on + 1));
        acknowledged.add(name);
        return System.nanoTime();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
          how.put(name, attempts + "ALREADY_EXISTS via manager " + (on + 1));
          acknowledged.add(name);
          return System.nanoTime();
        }
        attempts.append(e.getStatus().getCode()).append(" via manager ").append(on + 1).append(", ");
      }
    }
    throw new BenchException("write " + name + " was not accepted within " + timeout.toSeconds() + " s");
  }

  private void pauseIfNoneUsable() {
    for (int i = 0; i < managers; i++) {
      if (usable.test(i)) {
        return;
      }
    }
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }

  /** Writes continuously on a background thread until {@link #stopBackground}. */
  void startBackground(Duration perWriteTimeout) {
    running = true;
    failure = null;
    writer = Thread.ofPlatform().daemon().name("writer-" + prefix).start(() -> {
      try {
        while (running) {
          writeOnce(perWriteTimeout);
        }
      } catch (RuntimeException e) {
        failure = e;
      }
    });
  }

  /** Stops the background writer after its current write; rethrows its failure, if it had one. */
  void stopBackground() {
    running = false;
    try {
      writer.join(Duration.ofSeconds(120));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Waits until at least {@code count} more writes than {@code before} were acknowledged. */
  void awaitMore(int before, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (acknowledged.size() < before + count) {
      if (failure != null) {
        throw failure;
      }
      if (System.nanoTime() > deadline) {
        throw new BenchException("only " + (acknowledged.size() - before) + " of " + count + " writes acknowledged within "
            + timeout.toSeconds() + " s");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      }
    }
  }

  /**
   * Fails unless every acknowledged write is among {@code serviceNames} (all the store's services)
   * and no name of this writer appears twice there.
   */
  void verify(List<String> serviceNames) {
    Set<String> present = new HashSet<>();
    for (String name : serviceNames) {
      if (!present.add(name) && name.startsWith(prefix + "-")) {
        throw new BenchException("service " + name + " appears more than once: a write was applied twice");
      }
    }
    Collection<String> lost = new HashSet<>(acknowledged);
    lost.removeAll(present);
    if (!lost.isEmpty()) {
      String example = lost.iterator().next();
      throw new BenchException(lost.size() + " acknowledged writes are missing, e.g. " + example + " (" + how.get(example) + ")");
    }
  }
}
