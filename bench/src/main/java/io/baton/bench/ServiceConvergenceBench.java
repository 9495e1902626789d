package io.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How fast services converge on a local cluster of real {@code bin/baton} processes (1 manager and 2
 * workers on loopback, process executor), each figure min / median / max over {@code --runs N} runs
 * and set against Docker Swarm's figure from {@code shared/baselines/swarm/RESULTS.md}.
 *
 * <ol>
 *   <li><b>create N → all running</b> (N = 1, 10, 50): wall time of {@code service create --replicas N}
 *       without {@code --detach}, which returns once N tasks run (JVM start of the CLI included).</li>
 *   <li><b>rolling update of 10</b>: wall time of {@code service update --env-add V=run
 *       --update-parallelism 2}, returning once all 10 tasks run the new spec.</li>
 *   <li><b>kill -9 worker → its tasks run elsewhere</b>: 6 replicas over 3 nodes; SIGKILL one
 *       worker's JVM; until {@code service ps} shows 6 running tasks on the other nodes (polled).</li>
 * </ol>
 * Run from the repository root: {@code scripts/bench.sh services [--runs N]}.
 */
public final class ServiceConvergenceBench {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(120);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** RESULTS.md §2 (plain): N=1/10/50 all Running, medians 695 / 2712 / 16116 ms. */
  private static final double[] SWARM_CREATE_MS = {695, 2712, 16116};
  /**
   * RESULTS.md §2, rolling update N=10, {@code --init} variant (tini forwards SIGTERM, as a process
   * task gets it): CLI wall time with {@code --detach=false}, median 16720 ms (it includes Swarm's 5 s
   * update monitor; baton reports convergence when the new tasks run).
   */
  private static final double SWARM_UPDATE_MS = 16720;
  /** RESULTS.md §6: SIGKILL worker dockerd → 30 Running elsewhere, median 22034 ms. */
  private static final double SWARM_WORKER_LOSS_MS = 22034;

  private ServiceConvergenceBench() {}

  public static void main(String[] args) throws Exception {
    int runs = 5;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--runs") && i + 1 < args.length && args[i + 1].matches("[1-9][0-9]{0,2}")) {
        runs = Integer.parseInt(args[++i]);
      } else {
        System.err.println("usage: scripts/bench.sh services [--runs N]");
        System.exit(125);
      }
    }
    Path root = Path.of("").toAbsolutePath();
    Baton baton = new Baton(root);
    Runtime.getRuntime().addShutdownHook(new Thread(Baton::stopAll));
    Path dir = Files.createTempDirectory("baton-bench-services");
    try {
      int port = Baton.freePortPair();
      String addr = "127.0.0.1:" + port;
      Path m = dir.resolve("m");
      Baton.Node manager = baton.start(dir.resolve("m.log"), "init", "--state-dir", m.toString(),
          "--listen-addr", addr, "--advertise-addr", addr, "--executor", "process");
      manager.awaitLine("Cluster initialized", CALL_TIMEOUT);
      String token = ok(baton.run(CALL_TIMEOUT, "--state-dir", m.toString(), "join-token", "worker", "-q")).stdout().strip();
      List<Baton.Node> workers = new ArrayList<>();
      for (int w = 1; w <= 2; w++) {
        int wp = Baton.freePortPair();
        Baton.Node worker = baton.start(dir.resolve("w" + w + ".log"), "join", "--state-dir", dir.resolve("w" + w).toString(),
            "--token", token, "--listen-addr", "127.0.0.1:" + wp, "--advertise-addr", "127.0.0.1:" + wp,
            "--executor", "process", addr);
        worker.awaitLine("This node joined", CALL_TIMEOUT);
        workers.add(worker);
      }
      awaitNodesReady(baton, m, 3);

      List<String> rows = new ArrayList<>();
      int[] sizes = {1, 10, 50};
      for (int i = 0; i < sizes.length; i++) {
        List<Long> nanos = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
          String name = "c" + sizes[i] + "-" + r;
          nanos.add(ok(baton.run(CALL_TIMEOUT, "--state-dir", m.toString(), "service", "create", "-q", "--name", name,
              "--replicas", String.valueOf(sizes[i]), "busybox", "sleep", "600")).nanos());
          ok(baton.run(CALL_TIMEOUT, "--state-dir", m.toString(), "service", "rm", name));
          Thread.sleep(1_500);
        }
        rows.add(row("create " + sizes[i] + " -> all running", Stats.ofNanos(nanos), SWARM_CREATE_MS[i]));
      }

      ok(baton.run(CALL_TIMEOUT, "--state-dir", m.toString(), "service", "create", "-q", "--name", "u10",
          "--replicas", "10", "busybox", "sleep", "600"));
      List<Long> updates = new ArrayList<>();
      for (int r = 0; r < runs; r++) {
        updates.add(ok(baton.run(CALL_TIMEOUT, "--state-dir", m.toString(), "service", "update", "-q",
            "--env-add", "V=" + r, "--update-parallelism", "2", "u10")).nanos());
      }
      rows.add(row("rolling update of 10 (parallelism 2)", Stats.ofNanos(updates), SWARM_UPDATE_MS));
      ok(baton.run(CALL_TIMEOUT, "--state-dir", m.toString(), "service", "rm", "u10"));

      ok(baton.run(CALL_TIMEOUT, "--state-dir", m.toString(), "service", "create", "-q", "--name", "r6",
          "--replicas", "6", "busybox", "sleep", "600"));
      Baton.Node victim = workers.get(0);
      String victimId = JSON.readTree(dir.resolve("w1/node.json").toFile()).get("nodeId").asText();
      long killed = System.nanoTime();
      victim.kill();
      while (runningElsewhere(baton, m, "r6", victimId) < 6) {
        Thread.sleep(100);
      }
      long moved = System.nanoTime() - killed;
      // The killed agent's task processes outlive it; its restart stops them (and proves that it does).
      Baton.Node back = baton.start(dir.resolve("w1-restart.log"), "start", "--state-dir", dir.resolve("w1").toString());
      back.awaitLine("Node ", CALL_TIMEOUT);
      rows.add(row("kill -9 worker -> its tasks run elsewhere", Stats.ofNanos(List.of(moved)), SWARM_WORKER_LOSS_MS));

      System.out.printf("%nbaton services, %d run(s) per figure, 1 manager + 2 workers, process executor, times in ms%n", runs);
      System.out.printf("%-44s %6s %8s %8s %10s %7s%n", "figure", "min", "median", "max", "Swarm", "ratio");
      rows.forEach(System.out::println);
      System.out.println("Swarm figures: shared/baselines/swarm/RESULTS.md §2 (create, update with --init) and §6 (SIGKILL).");
    } finally {
      Baton.stopAll();
      deleteTree(dir);
    }
  }

  private static String row(String figure, Stats stats, double swarmMs) {
    return String.format("%-44s %6.0f %8.0f %8.0f %10.0f %6.2fx",
        figure, stats.minMs(), stats.medianMs(), stats.maxMs(), swarmMs, stats.medianMs() / swarmMs);
  }

  private static Baton.Result ok(Baton.Result result) {
    if (result.exitCode() != 0) {
      throw new BenchException("a baton call failed: " + result.stderr().strip());
    }
    return result;
  }

  private static void awaitNodesReady(Baton baton, Path m, int count) throws Exception {
    for (int i = 0; i < 600; i++) {
      Baton.Result r = baton.run(CALL_TIMEOUT, "--state-dir", m.toString(), "node", "ls", "--format", "json");
      if (r.exitCode() == 0) {
        int ready = 0;
        for (JsonNode n : JSON.readTree(jsonPart(r.stdout()))) {
          ready += "ready".equals(n.get("status").asText()) ? 1 : 0;
        }
        if (ready == count) {
          return;
        }
      }
      Thread.sleep(100);
    }
    throw new BenchException("nodes did not become ready");
  }

  private static int runningElsewhere(Baton baton, Path m, String service, String nodeId) throws IOException {
    Baton.Result r = baton.run(CALL_TIMEOUT, "--state-dir", m.toString(), "service", "ps", service, "--format", "json");
    int count = 0;
    if (r.exitCode() == 0) {
      for (JsonNode t : JSON.readTree(jsonPart(r.stdout()))) {
        if ("running".equals(t.get("state").asText()) && "running".equals(t.get("desiredState").asText())
            && !nodeId.equals(t.get("node").asText())) {
          count++;
        }
      }
    }
    return count;
  }

  private static String jsonPart(String stdout) {
    int start = stdout.indexOf('[');
    return start < 0 ? "[]" : stdout.substring(start);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
