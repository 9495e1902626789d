package io.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * How fast baton nodes come up, measured as real {@code bin/baton} processes on loopback (process
 * executor), each figure as min / median / max over {@code --runs N} runs (default 5) and set against
 * Docker Swarm's figure on the same kind of machine. All times are wall-clock, from just before the
 * process is spawned; a figure that ends with a CLI call ends when that call exits (as in the Swarm
 * baseline: "the end time of the earliest call that showed X").
 *
 * <ol>
 *   <li><b>init → "Cluster initialized"</b>: spawn {@code bin/baton init} (fresh state dir, fresh
 *       ports) until its stdout prints the line "Cluster initialized". <b>init → node ls</b>: the same
 *       spawn until the first {@code bin/baton --state-dir DIR node ls} that exits 0; polled back to
 *       back with 50 ms pauses, and one poll itself takes ~0.2 s, so this figure is up to a poll later
 *       than the real moment (and the polls compete with the starting node for the CPUs).</li>
 *   <li><b>join → "joined"</b>: with one manager running (started once, not timed), spawn
 *       {@code bin/baton join} (fresh state dir) until its stdout prints "This node joined the cluster".
 *       <b>join → ready</b>: the same spawn until the manager's {@code node ls --format json} shows a
 *       node that was not there before with status {@code ready} (polled like above). Each worker is
 *       stopped after its run.</li>
 *   <li><b>node ls</b>: wall time of one {@code bin/baton --state-dir DIR node ls} process against
 *       that manager (JVM start included), over {@value #LS_RUNS} calls.</li>
 * </ol>
 *
 * Run from the repository root: {@code scripts/bench.sh [--runs N]}. Everything it starts is stopped
 * by PID and its temp dir is deleted, also on Ctrl-C.
 */
public final class NodeStartupBench {
  static final int LS_RUNS = 20;
  private static final Duration POLL_PAUSE = Duration.ofMillis(50);
  private static final Duration NODE_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  // Docker Swarm reference figures (medians, ms), measured on this kind of machine (2 vCPU Debian 12 VM) in
  // /work/shared/baselines/swarm/RESULTS.md; hard-coded, the file is not parsed.
  /** RESULTS.md §1: {@code docker swarm init} (127.0.0.1), 593 / 605 / 626 ms. */
  static final double SWARM_INIT_MS = 605;
  /** RESULTS.md §6: worker {@code docker swarm join} CLI returns, 93 / 110 / 181 ms. */
  static final double SWARM_JOIN_CLI_MS = 110;
  /**
   * RESULTS.md §6: join start → manager sees the node Ready, 144 / 160 / 236 ms (its dockerd was already
   * running; a baton join also starts a JVM). 270 ms, a figure quoted elsewhere, is not in the file.
   */
  static final double SWARM_JOIN_READY_MS = 160;
  /**
   * {@code docker node ls}: RESULTS.md has no figure; DESIGN.md §6 gives 116–189 ms "on this kind of
   * machine", and this is its midpoint. (HA-RESULTS.md §5 measured 26–37 ms on a warm 3-manager cluster.)
   */
  static final double SWARM_NODE_LS_MS = 150;

  private static final ObjectMapper JSON = new ObjectMapper();
  /** A JVM unified-logging line ("[0.012s][warning][aot] ..."), which the JVM writes to stdout. */
  private static final Pattern JVM_LOG = Pattern.compile("^\\[[0-9.]+s\\]\\[");

  private final Baton baton;
  private final Path work;
  private final int runs;

  private NodeStartupBench(Baton baton, Path work, int runs) {
    this.baton = baton;
    this.work = work;
    this.runs = runs;
  }

  /** One line of the result table. */
  record Row(String figure, Stats stats, double swarmMs) {}

  public static void main(String[] args) {
    BenchMain.run(args, "scripts/bench.sh [--runs N]",
        "(N runs per figure, default 5; node ls: " + LS_RUNS + " calls)", "baton-bench.", work -> {},
        (baton, work, runs) -> {
          String loadBefore = loadAverage();
          List<Row> rows = new NodeStartupBench(baton, work, runs).measure();
          printTable(rows, runs, loadBefore, loadAverage());
        });
  }

  private List<Row> measure() {
    // untimed warm-up: the first JVM start after a build also reads the jars from disk
    Baton.Result warmUp = baton.run(CALL_TIMEOUT, "version");
    String jvmNoise = (warmUp.stdout() + warmUp.stderr()).lines().filter(l -> JVM_LOG.matcher(l).find()).findFirst().orElse("");
    if (!jvmNoise.isEmpty()) {
      progress("warning: the CLI's JVM reports '%s' (a stale AOT cache? bin/baton-train-aot makes a new one);"
          + " the figures include that", jvmNoise.strip());
    }

    List<Long> initLine = new ArrayList<>();
    List<Long> initLs = new ArrayList<>();
    for (int i = 1; i <= runs; i++) {
      long[] t = initRun(i);
      initLine.add(t[0]);
      initLs.add(t[1]);
      progress("init run %d/%d: 'Cluster initialized' %d ms, first node ls %d ms", i, runs, t[0] / 1_000_000, t[1] / 1_000_000);
    }

    List<Long> joinLine = new ArrayList<>();
    List<Long> joinReady = new ArrayList<>();
    List<Long> ls = new ArrayList<>();
    Path managerDir = work.resolve("manager");
    int port = Baton.freePortPair();
    try (Baton.Node manager = baton.start(work.resolve("manager.log"), "init", "--state-dir", managerDir.toString(),
        "--listen-addr", "127.0.0.1:" + port, "--advertise-addr", "127.0.0.1:" + port, "--executor", "process")) {
      awaitNodeLs(manager, managerDir);
      Baton.Result token = baton.run(CALL_TIMEOUT, "--state-dir", managerDir.toString(), "join-token", "worker", "-q");
      if (token.exitCode() != 0) {
        throw manager.failure("join-token worker -q failed: " + token.stderr().strip());
      }
      for (int i = 1; i <= runs; i++) {
        long[] t = joinRun(i, manager, managerDir, port, withoutJvmLog(token.stdout()).strip());
        joinLine.add(t[0]);
        joinReady.add(t[1]);
        progress("join run %d/%d: 'This node joined' %d ms, ready in node ls %d ms", i, runs, t[0] / 1_000_000, t[1] / 1_000_000);
      }
      for (int i = 0; i < LS_RUNS; i++) {
        Baton.Result r = baton.run(CALL_TIMEOUT, "--state-dir", managerDir.toString(), "node", "ls");
        if (r.exitCode() != 0) {
          throw manager.failure("node ls failed (exit " + r.exitCode() + "): " + r.stderr().strip());
        }
        ls.add(r.nanos());
      }
      progress("node ls: %d calls, median %.0f ms", LS_RUNS, Stats.ofNanos(ls).medianMs());
    }

    return List.of(
        new Row("init -> 'Cluster initialized' printed", Stats.ofNanos(initLine), SWARM_INIT_MS),
        new Row("init -> first 'node ls' exits 0", Stats.ofNanos(initLs), SWARM_INIT_MS),
        new Row("join -> 'This node joined' printed", Stats.ofNanos(joinLine), SWARM_JOIN_CLI_MS),
        new Row("join -> ready in manager's 'node ls'", Stats.ofNanos(joinReady), SWARM_JOIN_READY_MS),
        new Row("one local 'node ls' call", Stats.ofNanos(ls), SWARM_NODE_LS_MS));
  }

  /** Figure 1 for one run: {ns to the "Cluster initialized" line, ns to the first node ls that exits 0}. */
  private long[] initRun(int run) {
    Path dir = work.resolve("init-" + run);
    int port = Baton.freePortPair();
    try (Baton.Node node = baton.start(work.resolve("init-" + run + ".log"), "init", "--state-dir", dir.toString(),
        "--listen-addr", "127.0.0.1:" + port, "--advertise-addr", "127.0.0.1:" + port, "--executor", "process")) {
      long lsNanos = awaitNodeLs(node, dir);
      long lineNanos = node.awaitLine("Cluster initialized", NODE_TIMEOUT);
      return new long[] {lineNanos, lsNanos};
    } finally {
      deleteTree(dir);
    }
  }

  /** Polls {@code node ls} on {@code dir} until it exits 0; returns ns from the node's spawn to that call's exit. */
  private long awaitNodeLs(Baton.Node node, Path dir) {
    long deadline = node.startNanos() + NODE_TIMEOUT.toNanos();
    while (true) {
      if (!node.isAlive()) {
        throw node.failure("exited before 'node ls' answered");
      }
      Baton.Result r = baton.run(CALL_TIMEOUT, "--state-dir", dir.toString(), "node", "ls");
      if (r.exitCode() == 0) {
        return r.endNanos() - node.startNanos();
      }
      if (System.nanoTime() > deadline) {
        throw node.failure("'node ls' did not answer within " + NODE_TIMEOUT.toSeconds() + " s; last error: " + r.stderr().strip());
      }
      pause();
    }
  }

  /** Figure 2 for one run: {ns to the "This node joined" line, ns to the poll that shows the node ready}. */
  private long[] joinRun(int run, Baton.Node manager, Path managerDir, int managerPort, String token) {
    Map<String, String> before = nodes(managerDir);
    Path dir = work.resolve("worker-" + run);
    int port = Baton.freePortPair();
    try (Baton.Node worker = baton.start(work.resolve("worker-" + run + ".log"), "join", "--state-dir", dir.toString(),
        "--token", token, "--listen-addr", "127.0.0.1:" + port, "--advertise-addr", "127.0.0.1:" + port,
        "--executor", "process", "127.0.0.1:" + managerPort)) {
      long deadline = worker.startNanos() + NODE_TIMEOUT.toNanos();
      long readyNanos;
      while (true) {
        if (!worker.isAlive()) {
          throw worker.failure("exited before the manager showed it ready");
        }
        if (!manager.isAlive()) {
          throw manager.failure("the manager exited");
        }
        Baton.Result r = baton.run(CALL_TIMEOUT, "--state-dir", managerDir.toString(), "node", "ls", "--format", "json");
        if (r.exitCode() == 0) {
          Map<String, String> now = parseNodes(r.stdout());
          boolean ready = now.size() > before.size() && now.entrySet().stream()
              .anyMatch(e -> !before.containsKey(e.getKey()) && e.getValue().equals("ready"));
          if (ready) {
            readyNanos = r.endNanos() - worker.startNanos();
            break;
          }
        }
        if (System.nanoTime() > deadline) {
          throw worker.failure("the manager did not show a new ready node within " + NODE_TIMEOUT.toSeconds() + " s"
              + " (last node ls: exit " + r.exitCode() + " " + r.stdout().strip() + r.stderr().strip() + ")");
        }
        pause();
      }
      long lineNanos = worker.awaitLine("This node joined the cluster", NODE_TIMEOUT);
      return new long[] {lineNanos, readyNanos};
    } finally {
      deleteTree(dir);
    }
  }

  /** The manager's nodes, id → status. */
  private Map<String, String> nodes(Path managerDir) {
    Baton.Result r = baton.run(CALL_TIMEOUT, "--state-dir", managerDir.toString(), "node", "ls", "--format", "json");
    if (r.exitCode() != 0) {
      throw new BenchException("node ls --format json failed (exit " + r.exitCode() + "): " + r.stderr().strip());
    }
    return parseNodes(r.stdout());
  }

  private static Map<String, String> parseNodes(String json) {
    try {
      Map<String, String> nodes = new HashMap<>();
      for (JsonNode node : JSON.readTree(withoutJvmLog(json))) {
        nodes.put(node.path("id").asText(), node.path("status").asText());
      }
      return nodes;
    } catch (IOException e) {
      throw new BenchException("node ls --format json printed no JSON array: " + e.getMessage());
    }
  }

  /** {@code out} without JVM log lines (e.g. AOT cache warnings), which the JVM writes to stdout. */
  static String withoutJvmLog(String out) {
    return out.lines().filter(l -> !JVM_LOG.matcher(l).find()).collect(Collectors.joining("\n"));
  }

  /** The 1/5/15-minute load averages from /proc/loadavg, to judge how much else ran meanwhile. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static void printTable(List<Row> rows, int runs, String loadBefore, String loadAfter) {
    String format = "%-40s %5s %8s %8s %8s %10s %7s%n";
    System.out.println();
    System.out.printf(Locale.ROOT, "baton node start-up, %d runs per figure (node ls: %d calls), %d CPUs,"
        + " load average %s before / %s after, times in ms%n",
        runs, LS_RUNS, Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
    System.out.printf(Locale.ROOT, format, "figure", "n", "min", "median", "max", "Swarm ref", "ratio");
    for (Row row : rows) {
      Stats s = row.stats();
      System.out.printf(Locale.ROOT, format, row.figure(), s.count(), ms(s.minMs()), ms(s.medianMs()), ms(s.maxMs()),
          ms(row.swarmMs()), String.format(Locale.ROOT, "%.2fx", s.medianMs() / row.swarmMs()));
    }
    System.out.println();
    System.out.println("ratio = baton median / Swarm reference. Swarm references (medians, /work/shared/baselines/swarm/RESULTS.md):");
    System.out.println("  init: `docker swarm init` 605 ms (section 1); join printed: `docker swarm join` CLI returns 110 ms;");
    System.out.println("  join ready: join start -> manager sees node Ready 160 ms (section 6; the worker's dockerd was already running);");
    System.out.println("  node ls: not in RESULTS.md; DESIGN.md section 6 gives 116-189 ms, its midpoint 150 ms is used");
    System.out.println("  (HA-RESULTS.md section 5 measured 26-37 ms on a warm 3-manager cluster).");
    System.out.println("'node ls' figures end when a polling call exits (one call ~0.2 s, 50 ms between calls).");
  }

  private static String ms(double ms) {
    return String.format(Locale.ROOT, "%.0f", ms);
  }

  private static void progress(String format, Object... args) {
    System.err.printf(Locale.ROOT, "bench: " + format + "%n", args);
  }

  private static void pause() {
    try {
      Thread.sleep(POLL_PAUSE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      System.err.println("bench: could not delete all of " + root + ": " + e.getMessage());
    }
  }
}
