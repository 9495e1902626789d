package io.baton.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * What every benchmark's {@code main} does around its measurements: parses {@code --runs N}, makes a
 * temp dir, and stops every process the benchmark started and deletes the dir on exit, also when the
 * run is interrupted by a signal. Exits 0, 1 (a failed run) or 2 (a usage error).
 */
final class BenchMain {
  /** The measurements and the table, given the launcher, the temp dir and the runs per figure. */
  @FunctionalInterface
  interface Body {
    void run(Baton baton, Path work, int runs);
  }

  private BenchMain() {}

  /**
   * @param usage the usage line, e.g. {@code scripts/bench.sh [--runs N]}
   * @param help extra text after the usage line for {@code --help}
   * @param extraCleanup run with the temp dir after the nodes stop (before it is deleted)
   */
  static void run(String[] args, String usage, String help, String tempPrefix, Consumer<Path> extraCleanup, Body body) {
    int runs = 5;
    boolean keep = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--runs" -> {
          if (i + 1 >= args.length || !args[i + 1].matches("[1-9][0-9]{0,3}")) {
            usage(usage, "--runs needs a positive number");
          }
          runs = Integer.parseInt(args[++i]);
        }
        case "--keep" -> keep = true;
        case "-h", "--help" -> {
          System.out.println("usage: " + usage + " [--keep]   " + help + "; --keep keeps the temp dir (state dirs, logs)");
          return;
        }
        default -> usage(usage, "unknown argument '" + args[i] + "'");
      }
    }
    Path work;
    try {
      work = Files.createTempDirectory(tempPrefix).toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    AtomicBoolean cleaned = new AtomicBoolean();
    boolean keepWork = keep;
    Runnable cleanup = () -> {
      if (cleaned.compareAndSet(false, true)) {
        Baton.stopAll();
        extraCleanup.accept(work);
        if (keepWork) {
          System.err.println("bench: kept its state dirs and logs in " + work);
        } else {
          NodeStartupBench.deleteTree(work);
        }
      }
    };
    Runtime.getRuntime().addShutdownHook(new Thread(cleanup, "bench-cleanup"));
    int rc = 0;
    try {
      body.run(new Baton(Path.of("").toAbsolutePath()), work, runs);
    } catch (BenchException | UncheckedIOException e) {
      System.err.println(cleaned.get() ? "bench: stopped by a signal; its processes are stopped, its temp dir removed"
          : "bench: " + e.getMessage());
      rc = 1;
    } finally {
      cleanup.run();
    }
    System.exit(rc);
  }

  private static void usage(String usage, String problem) {
    System.err.println("bench: " + problem + "; usage: " + usage);
    System.exit(2);
  }
}
