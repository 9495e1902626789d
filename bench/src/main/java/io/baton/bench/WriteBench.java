package io.baton.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Write throughput of the cluster store: committed small changes per second on a Ratis group of
 * {@code --peers} managers (in this JVM, mutual TLS 1.3 on loopback, each peer's log fsynced on
 * the disk of {@code --dir}), with many concurrent {@code update()} callers on the leader (see
 * {@link WriteLoad}), the log written plain or encrypted at rest ({@code --codec}). Each row is one
 * configuration ({@link WriteBenchParams}) on a fresh group; each figure is min / median / max over
 * {@code --runs N} windows of {@code --seconds S}, each after a warm-up. Targets on this 2-core
 * machine: encrypted at least 90 % of plain for the same peers and writers, and at least 10,000
 * changes/s with 3 managers (batched writes).
 *
 * <p>Run from the repository root: {@code scripts/bench.sh writes [--runs N] [--seconds S]
 * [--peers N[,N...]] [--codec plain,encrypted] [--writers N[,N...]] [--dir DIR]}. It starts no
 * process; its stores and temp dir are deleted on exit.
 */
public final class WriteBench {
  private static final String USAGE =
      "scripts/bench.sh writes [--runs N] [--seconds S] [--peers N[,N...]] [--codec plain,encrypted]"
          + " [--writers N[,N...]] [--dir DIR]";
  private static final double TARGET_PER_SECOND = 10_000;
  private static final int TARGET_PEERS = 3;
  private static final double TARGET_ENCRYPTED_RATIO = 0.90;

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
    int[] peers = {1};
    List<WriteBenchParams.Log> logs = List.of(WriteBenchParams.Log.values());
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
        case "--writers" -> writers = list(arg, value);
        case "--peers" -> peers = list(arg, value);
        case "--codec" -> logs = Arrays.stream(value.split(",")).map(WriteBenchParams.Log::parse).distinct().toList();
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
    WriteBenchParams base = new WriteBenchParams(peers[0], writers[0], logs.get(0),
        WriteBenchParams.DEFAULT_WARMUP, window, runs, work);
    // validate every configuration before the first (slow) measurement
    List<WriteBenchParams> configs = new ArrayList<>();
    for (int p : peers) {
      for (int n : writers) {
        for (WriteBenchParams.Log log : logs) {
          configs.add(base.with(p, log, n));
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    for (WriteBenchParams params : configs) {
      rows.add(measure(params));
    }
    print(base, rows);
    return 0;
  }

  private static int[] list(String option, String value) {
    return Arrays.stream(value.split(",")).mapToInt(v -> positive(option, v)).distinct().toArray();
  }

  private static int positive(String option, String value) {
    if (!value.matches("[1-9][0-9]{0,5}")) {
      throw new IllegalArgumentException(option + " needs a positive number, got '" + value + "'");
    }
    return Integer.parseInt(value);
  }

  private record Row(WriteBenchParams params, List<WriteLoad.Result> results) {
    double medianPerSecond() {
      return median(results, WriteLoad.Result::perSecond);
    }

    boolean sameGroupAndLoad(Row other) {
      return params.peers() == other.params.peers() && params.writers() == other.params.writers();
    }
  }

  private static Row measure(WriteBenchParams params) throws InterruptedException {
    System.err.printf("bench: %d writer(s), %d peer(s), %s log: %d run(s) of %d s%n", params.writers(),
        params.peers(), params.log().label(), params.runs(), params.window().toSeconds());
    List<WriteLoad.Result> results = new ArrayList<>();
    try (BenchStore store = BenchStore.start(params)) {
      for (int r = 0; r < params.runs(); r++) {
        WriteLoad.Result result = WriteLoad.run(store.leader(), params);
        System.err.printf("bench:   run %d: %.0f changes/s, %.1f changes per entry, %d errors%n", r + 1,
            result.perSecond(), result.changesPerEntry(), result.errors());
        results.add(result);
      }
      store.awaitFollowersApplied();
    }
    return new Row(params, results);
  }

  private static void print(WriteBenchParams base, List<Row> rows) {
    System.out.printf("%nwrites: committed changes/s through ClusterStore.update() on the leader, one small Node or"
        + " Service put per call, each writer on its own %d objects%n", WriteLoad.OBJECTS_PER_WRITER);
    System.out.printf("Ratis group in one JVM, mutual TLS 1.3 on loopback, every peer's log fsynced under %s;"
        + " %d run(s) of %d s after %d s warm-up%n", base.dir(), base.runs(), base.window().toSeconds(),
        base.warmup().toSeconds());
    System.out.printf("targets: encrypted >= %.0f %% of plain (enc/plain, medians), >= %,.0f changes/s on %d"
        + " managers%n%n", TARGET_ENCRYPTED_RATIO * 100, TARGET_PER_SECOND, TARGET_PEERS);
    System.out.printf("%-6s %-8s %-10s %-30s %-20s %-14s %-7s %s%n", "peers", "writers", "log",
        "changes/s min / median / max", "update() p50 / p99", "changes/entry", "errors", "enc/plain");
    for (Row row : rows) {
      List<WriteLoad.Result> rs = row.results();
      double[] rates = rs.stream().mapToDouble(WriteLoad.Result::perSecond).sorted().toArray();
      System.out.printf("%-6d %-8d %-10s %-30s %-20s %-14s %-7d %s%n", row.params().peers(),
          row.params().writers(), row.params().log().label(),
          String.format("%,.0f / %,.0f / %,.0f", rates[0], median(rates), rates[rates.length - 1]),
          String.format("%.1f / %.1f ms", median(rs, r -> r.latencyMs(0.5)), median(rs, r -> r.latencyMs(0.99))),
          String.format("%.1f", median(rs, WriteLoad.Result::changesPerEntry)),
          rs.stream().mapToLong(WriteLoad.Result::errors).sum(), ratio(row, rows));
    }
  }

  /** On an encrypted row: its median over the plain row's of the same peers and writers. */
  private static String ratio(Row row, List<Row> rows) {
    if (row.params().log() != WriteBenchParams.Log.ENCRYPTED) {
      return "";
    }
    return rows.stream()
        .filter(r -> r.params().log() == WriteBenchParams.Log.PLAIN && r.sameGroupAndLoad(row))
        .findFirst()
        .map(plain -> {
          double q = row.medianPerSecond() / plain.medianPerSecond();
          return String.format("%.0f %% (%s)", q * 100, q >= TARGET_ENCRYPTED_RATIO ? "meets 90 %" : "below 90 %");
        })
        .orElse("-");
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
