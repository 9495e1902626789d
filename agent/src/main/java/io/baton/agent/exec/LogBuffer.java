package io.baton.agent.exec;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's recent output: a ring of {@link LogLine}s bounded in bytes, oldest evicted first, for
 * {@code baton service logs}.
 *
 * <p>Thread-safe. Sinks given to {@link #subscribe} and {@link #follow} are called on the writing
 * thread while the buffer's lock is held, each line in sequence order: a sink must be quick (hand
 * the line to a queue or a stream), must not block, and may only call {@link #snapshot()} back. A
 * sink that throws is unsubscribed.
 *
 * <p>The buffer holds whatever the task printed, which may include things the task should not have
 * printed; it lives only in memory and is shown only to managers (DESIGN §3, "logs of any task").
 */
public final class LogBuffer {
  /** Default cap per task: 1 MiB holds several thousand typical lines. */
  public static final int DEFAULT_MAX_BYTES = 1 << 20;

  /** Smallest useful cap: a few lines. */
  public static final int MIN_MAX_BYTES = 1 << 10;

  /**
   * What each line costs besides its text (the record, its timestamp, the deque slot), so that a
   * flood of empty lines is bounded too.
   */
  static final int LINE_OVERHEAD_BYTES = 64;

  private static final Logger log = LoggerFactory.getLogger(LogBuffer.class);

  private final Clock clock;
  private final int maxBytes;
  private final ArrayDeque<Entry> lines = new ArrayDeque<>();
  private final List<Sink> sinks = new ArrayList<>();
  private long bytes;
  private long nextSequence;
  private long evicted;

  /** A buffer capped at {@link #DEFAULT_MAX_BYTES}. */
  public LogBuffer(Clock clock) {
    this(clock, DEFAULT_MAX_BYTES);
  }

  /**
   * @param clock the source of line timestamps
   * @param maxBytes cap on the UTF-8 size of the lines held plus {@value #LINE_OVERHEAD_BYTES}
   *     bytes per line; at least {@link #MIN_MAX_BYTES}
   */
  public LogBuffer(Clock clock, int maxBytes) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (maxBytes < MIN_MAX_BYTES) {
      throw new IllegalArgumentException("maxBytes must be at least " + MIN_MAX_BYTES);
    }
    this.maxBytes = maxBytes;
  }

  /**
   * Adds a line, evicting the oldest lines as needed to stay within the cap; a line larger than the
   * whole cap is truncated. Returns the line as stored.
   */
  public synchronized LogLine append(LogLine.Source source, String text) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    int room = maxBytes - LINE_OVERHEAD_BYTES;
    if (utf8.length > room) {
      text = Utf8.truncate(text, room);
      utf8 = text.getBytes(StandardCharsets.UTF_8);
    }
    LogLine line = new LogLine(nextSequence++, clock.instant(), source, text);
    int cost = utf8.length + LINE_OVERHEAD_BYTES;
    while (!lines.isEmpty() && bytes + cost > maxBytes) {
      bytes -= lines.removeFirst().cost();
      evicted++;
    }
    lines.addLast(new Entry(line, cost));
    bytes += cost;
    deliver(line);
    return line;
  }

  /** The lines held now, oldest first. */
  public synchronized List<LogLine> snapshot() {
    List<LogLine> copy = new ArrayList<>(lines.size());
    for (Entry entry : lines) {
      copy.add(entry.line());
    }
    return copy;
  }

  /** How many lines were evicted to respect the cap so far. */
  public synchronized long evicted() {
    return evicted;
  }

  /** The size the held lines count against the cap. */
  public synchronized long bytes() {
    return bytes;
  }

  /** Calls {@code sink} with every line appended from now on, until the subscription is closed. */
  public synchronized Subscription subscribe(Consumer<? super LogLine> sink) {
    Sink entry = new Sink(sink);
    sinks.add(entry);
    return () -> unsubscribe(entry);
  }

  /**
   * Calls {@code sink} with the lines held now, then with every line appended later, with no line
   * missed or repeated in between, until the subscription is closed.
   */
  public synchronized Subscription follow(Consumer<? super LogLine> sink) {
    Sink entry = new Sink(sink);
    for (Entry held : lines) {
      if (!entry.accept(held.line())) {
        return () -> {};
      }
    }
    sinks.add(entry);
    return () -> unsubscribe(entry);
  }

  private synchronized void unsubscribe(Sink sink) {
    sinks.remove(sink);
  }

  private void deliver(LogLine line) {
    sinks.removeIf(sink -> !sink.accept(line));
  }

  /** A registration of a sink; closing it stops delivery. Idempotent. */
  @FunctionalInterface
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  private record Entry(LogLine line, int cost) {}

  private static final class Sink {
    private final Consumer<? super LogLine> consumer;

    Sink(Consumer<? super LogLine> consumer) {
      this.consumer = Objects.requireNonNull(consumer, "sink");
    }

    boolean accept(LogLine line) {
      try {
        consumer.accept(line);
        return true;
      } catch (RuntimeException e) {
        log.warn("dropping a log subscriber that failed", e);
        return false;
      }
    }
  }
}
