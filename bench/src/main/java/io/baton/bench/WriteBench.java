package io.baton.bench;

import io.baton.store.PayloadCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Write throughput of the cluster store: committed small changes per second on the Ratis store of
 * one manager (mutual TLS 1.3 on loopback, fsynced log on the disk of {@code --dir}), with many
 * concurrent {@code update()} callers (see {@link WriteLoad}). Each row is one configuration
 * ({@link WriteBenchParams}) on a fresh store; each figure is min / median / max over
 * {@code --runs N} windows of {@code --seconds S}, each after a warm-up. Target: at least 10,000
 * changes/s on this 2-core machine with 64 writers.
 *
 * <p>Run from the repository root: {@code scripts/bench.sh writes [--runs N] [--seconds S]
 * [--writers N[,N...]] [--dir DIR]}. It starts no process; its stores and temp dir are deleted on
 * exit.
 */
public final class WriteBench {
  private static final String USAGE =
      "scripts/bench.sh writes [--runs N] [--seconds S] [--writers N[,N...]] [--peers 1] [--dir DIR]";
  private static final double TARGET_PER_SECOND = 10_000;

  private WriteBench() {}

  public static void main(String[] args) {
    int rc;
    try {
      rc = run(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage() + "; usage: " + USAGE);
      rc = 2;
    } catch (BenchException | UncheckedIOException e) {
      System.err.println("bench: " + e.getMessage());
      rc = 1;
    } catch (InterruptedException e) {
      System.err.println("bench: interrupted");
      rc = 130;
    }
    System.exit(rc); // Ratis leaves non-daemon threads behind
  }

  private static int run(String[] args) throws InterruptedException {
    int runs = WriteBenchParams.DEFAULT_RUNS;
    Duration window = WriteBenchParams.DEFAULT_WINDOW;
    int[] writers = {WriteBenchParams.DEFAULT_WRITERS};
    int peers = 1;
    Path parent = Path.of(System.getProperty("java.io.tmpdir"));
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-h") || arg.equals("--help")) {
        System.out.println("usage: " + USAGE);
        return 0;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("unknown argument or missing value: '" + arg + "'");
      }
      String value = args[++i];
      switch (arg) {
        case "--runs" -> runs = positive(arg, value);
        case "--seconds" -> window = Duration.ofSeconds(positive(arg, value));
        case "--writers" -> writers = Arrays.stream(value.split(",")).mapToInt(v -> positive(arg, v)).toArray();
        case "--peers" -> peers = positive(arg, value);
        case "--dir" -> parent = Path.of(value);
        default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
      }
    }
    Path work;
    try {
      work = Files.createTempDirectory(parent, "baton-bench-writes-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> NodeStartupBench.deleteTree(work), "bench-cleanup"));
    WriteBenchParams base = new WriteBenchParams(peers, writers[0], PayloadCodec.PLAIN, "plain",
        WriteBenchParams.DEFAULT_WARMUP, window, runs, work);
    List<Row> rows = new ArrayList<>();
    for (int n : writers) {
      WriteBenchParams params = base.withWriters(n);
      rows.add(measure(params));
    }
    print(base, rows);
    return 0;
  }

  private static int positive(String option, String value) {
    if (!value.matches("[1-9][0-9]{0,5}")) {
      throw new IllegalArgumentException(option + " needs a positive number, got '" + value + "'");
    }
    return Integer.parseInt(value);
  }

  private record Row(WriteBenchParams params, List<WriteLoad.Result> results) {}

  private static Row measure(WriteBenchParams params) throws InterruptedException {
    System.err.printf("bench: %d writer(s), %d peer(s), %s log: %d run(s) of %d s%n", params.writers(),
        params.peers(), params.codecName(), params.runs(), params.window().toSeconds());
    List<WriteLoad.Result> results = new ArrayList<>();
    try (BenchStore store = BenchStore.start(params)) {
      for (int r = 0; r < params.runs(); r++) {
        WriteLoad.Result result = WriteLoad.run(store.leader(), params);
        System.err.printf("bench:   run %d: %.0f changes/s, %.1f changes per entry, %d errors%n", r + 1,
            result.perSecond(), result.changesPerEntry(), result.errors());
        results.add(result);
      }
    }
    return new Row(params, results);
  }

  private static void print(WriteBenchParams base, List<Row> rows) {
    System.out.printf("%nwrites: committed changes/s through ClusterStore.update(), one small Node or Service"
        + " put per call, each writer on its own %d objects%n", WriteLoad.OBJECTS_PER_WRITER);
    System.out.printf("Ratis store, mutual TLS 1.3 on loopback, log fsynced under %s; %d run(s) of %d s after"
        + " %d s warm-up; target %,.0f changes/s%n%n", base.dir(), base.runs(), base.window().toSeconds(),
        base.warmup().toSeconds(), TARGET_PER_SECOND);
    System.out.printf("%-6s %-8s %-6s %-30s %-20s %-16s %s%n", "peers", "writers", "log",
        "changes/s min / median / max", "update() p50 / p99", "changes/entry", "errors");
    for (Row row : rows) {
      List<WriteLoad.Result> rs = row.results();
      double[] rates = rs.stream().mapToDouble(WriteLoad.Result::perSecond).sorted().toArray();
      System.out.printf("%-6d %-8d %-6s %-30s %-20s %-16s %d%n", row.params().peers(), row.params().writers(),
          row.params().codecName(),
          String.format("%,.0f / %,.0f / %,.0f", rates[0], median(rates), rates[rates.length - 1]),
          String.format("%.1f / %.1f ms", median(rs, r -> r.latencyMs(0.5)), median(rs, r -> r.latencyMs(0.99))),
          String.format("%.1f", median(rs, WriteLoad.Result::changesPerEntry)),
          rs.stream().mapToLong(WriteLoad.Result::errors).sum());
    }
  }

  private static double median(List<WriteLoad.Result> rs, java.util.function.ToDoubleFunction<WriteLoad.Result> f) {
    return median(rs.stream().mapToDouble(f).sorted().toArray());
  }

  /** The median of sorted values; of an even count, the mean of the two middle ones. */
  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
