package io.baton.agent.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.agent.exec.LogLine.Source;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class LogBufferTest {
  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

  @Test
  void keepsLinesInOrderTaggedAndStampedByTheClock() {
    LogBuffer logs = new LogBuffer(clock);
    logs.append(Source.STDOUT, "hello");
    logs.append(Source.STDERR, "err");

    assertThat(logs.snapshot())
        .containsExactly(
            new LogLine(0, NOW, Source.STDOUT, "hello"), new LogLine(1, NOW, Source.STDERR, "err"));
  }

  @Test
  void evictsTheOldestLinesToStayWithinTheCap() {
    LogBuffer logs = new LogBuffer(clock, 4096);
    String text = "x".repeat(100);
    for (int i = 0; i < 1000; i++) {
      logs.append(Source.STDOUT, text);
    }

    List<LogLine> held = logs.snapshot();
    int perLine = 100 + LogBuffer.LINE_OVERHEAD_BYTES;
    assertThat(held).hasSize(4096 / perLine);
    assertThat(held.getLast().sequence()).isEqualTo(999);
    assertThat(held.getFirst().sequence()).isEqualTo(1000 - held.size());
    assertThat(logs.evicted()).isEqualTo(1000 - held.size());
    assertThat(logs.bytes()).isLessThanOrEqualTo(4096);
  }

  @Test
  void emptyLinesCountAgainstTheCapToo() {
    LogBuffer logs = new LogBuffer(clock, 4096);
    for (int i = 0; i < 10_000; i++) {
      logs.append(Source.STDOUT, "");
    }
    assertThat(logs.snapshot()).hasSize(4096 / LogBuffer.LINE_OVERHEAD_BYTES);
  }

  @Test
  void truncatesALineLargerThanTheWholeCapWithoutSplittingACharacter() {
    LogBuffer logs = new LogBuffer(clock, 2048);
    logs.append(Source.STDOUT, "é".repeat(5000));

    String kept = logs.snapshot().getFirst().text();
    assertThat(kept).matches("é+");
    assertThat(kept.getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(2048 - LogBuffer.LINE_OVERHEAD_BYTES);
    assertThat(logs.bytes()).isLessThanOrEqualTo(2048);
  }

  @Test
  void subscribersSeeNewLinesUntilTheyUnsubscribe() {
    LogBuffer logs = new LogBuffer(clock);
    logs.append(Source.STDOUT, "before");
    List<String> seen = new ArrayList<>();
    LogBuffer.Subscription subscription = logs.subscribe(line -> seen.add(line.text()));
    logs.append(Source.STDOUT, "during");
    subscription.close();
    subscription.close();
    logs.append(Source.STDOUT, "after");

    assertThat(seen).containsExactly("during");
  }

  @Test
  void followReplaysHeldLinesThenNewOnesWithoutGapOrRepeat() {
    LogBuffer logs = new LogBuffer(clock);
    logs.append(Source.STDOUT, "a");
    logs.append(Source.STDERR, "b");
    List<Long> seen = new ArrayList<>();
    LogBuffer.Subscription subscription = logs.follow(line -> seen.add(line.sequence()));
    logs.append(Source.STDOUT, "c");
    subscription.close();
    logs.append(Source.STDOUT, "d");
    assertThat(seen).containsExactly(0L, 1L, 2L);
  }

  @Test
  void aThrowingSubscriberIsDroppedAndOthersKeepReceiving() {
    LogBuffer logs = new LogBuffer(clock);
    List<String> seen = new ArrayList<>();
    logs.subscribe(
        line -> {
          throw new IllegalStateException("broken sink");
        });
    logs.subscribe(line -> seen.add(line.text()));
    logs.append(Source.STDOUT, "one");
    logs.append(Source.STDOUT, "two");

    assertThat(seen).containsExactly("one", "two");
  }

  @Test
  void concurrentWritersKeepSequenceAndCap() throws Exception {
    LogBuffer logs = new LogBuffer(clock, 64 * 1024);
    List<Long> followed = new CopyOnWriteArrayList<>();
    logs.subscribe(line -> followed.add(line.sequence()));
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      writers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    for (int i = 0; i < 2_000; i++) {
                      logs.append(Source.STDOUT, "line " + i);
                    }
                  }));
    }
    for (Thread writer : writers) {
      writer.join();
    }

    assertThat(followed).hasSize(16_000).isSorted();
    assertThat(logs.bytes()).isLessThanOrEqualTo(64 * 1024);
    assertThat(logs.evicted() + logs.snapshot().size()).isEqualTo(16_000);
  }

  @Test
  void rejectsATinyCap() {
    assertThatThrownBy(() -> new LogBuffer(clock, 10)).isInstanceOf(IllegalArgumentException.class);
  }
}
