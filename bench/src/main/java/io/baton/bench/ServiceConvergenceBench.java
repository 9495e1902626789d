package io.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * How fast services converge on a local cluster of real {@code bin/baton} processes: 1 manager and 2
 * workers on loopback, process executor (a task of {@code busybox sleep 600} is a host
 * {@code sleep 600} process). Each figure is min / median / max over {@code --runs N} runs (default
 * 5), set against Docker Swarm's figure from {@code /work/shared/baselines/swarm/RESULTS.md}. Times
 * are wall-clock from just before the first command is spawned (or the signal is sent) until the end
 * of the earliest polling call that showed the state, as in the Swarm baseline; polls are
 * {@code bin/baton} CLI calls back to back with 100 ms pauses (one call takes ~0.2-0.3 s, JVM start
 * included), so a figure can be up to one poll later than the real moment.
 *
 * <ol>
 *   <li><b>create K → K running</b> (K = 1, 10, 50): {@code service create --detach --name NAME
 *       --replicas K busybox sleep 600} until {@code service ps NAME --format json} shows K tasks with
 *       {@code state} and {@code desiredState} "running". Then {@code service rm NAME} until no
 *       {@code sleep 600} task process of the cluster is left (scanned every 100 ms in this JVM).</li>
 *   <li><b>rolling update of 10</b>: on a running 10-replica service, {@code service update --detach
 *       --env-add V=RUN --update-parallelism 2 NAME} until {@code service inspect} shows a new
 *       {@code specVersion} with {@code updateState} "completed" and {@code service ps} 10 running
 *       tasks of the new spec version.</li>
 *   <li><b>kill -9 worker</b>: with a 6-replica service running (2 per node), SIGKILL one worker's
 *       JVM (alternating between the two) until {@code service ps} shows 6 running tasks on the other
 *       nodes. Then {@code bin/baton start --state-dir DIR} restarts it: timed until the manager's
 *       {@code node ls} shows it ready, and checked (reported, not failed) that the cluster's
 *       {@code sleep 600} processes go back to 6, i.e. that the restarted agent stops the 2 it left
 *       running when it was killed.</li>
 * </ol>
 *
 * A task process is recognised by its command line ({@code sleep 600}, any path to sleep) and its
 * working directory, which the process executor puts under the node's state dir, inside this
 * benchmark's temp dir; other {@code sleep 600} processes on the machine are not counted.
 *
 * <p>Run from the repository root: {@code scripts/bench.sh services [--runs N]}. Everything it
 * starts (nodes, and task processes a killed node left behind) is stopped by PID and its temp dir is
 * deleted, also on Ctrl-C.
 */
public final class ServiceConvergenceBench {
  private static final int[] SIZES = {1, 10, 50};
  static final int UPDATE_REPLICAS = 10;
  static final int FAILURE_REPLICAS = 6;
  private static final Duration POLL_PAUSE = Duration.ofMillis(100);
  private static final Duration NODE_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration LEFTOVER_TIMEOUT = Duration.ofSeconds(30);

  // Docker Swarm reference figures (medians, ms) from /work/shared/baselines/swarm/RESULTS.md (2 vCPU
  // Debian 12 VM, docker 20.10, busybox:local); hard-coded, the file is not parsed.
  /** RESULTS.md §2: "create CLI returns (any N)", medians 34–36 ms (plain); midpoint. */
  static final double SWARM_CREATE_CLI_MS = 35;
  /** RESULTS.md §2, plain {@code sleep 3600}: N=1 / 10 / 50 all Running, medians. */
  static final double[] SWARM_CREATE_MS = {695, 2712, 16116};
  /**
   * RESULTS.md §2, {@code --init} variant: N=1 / 10 / 50 rm → containers gone, medians. The plain
   * variant (11776 / 12539 / 16072) waits out the 10 s stop grace because {@code sleep} as PID 1
   * ignores SIGTERM; a process task's {@code sleep} is no PID 1 and dies of SIGTERM, as with tini.
   */
  static final double[] SWARM_RM_GONE_MS = {1770, 2449, 6180};
  /**
   * RESULTS.md §2, rolling update N=10, {@code --init} variant (see above):
   * {@code .UpdateStatus.State == completed}, median. It includes Swarm's 5 s update monitor; plain: 66456.
   */
  static final double SWARM_UPDATE_MS = 16248;
  /** RESULTS.md §6: "SIGKILL → 30 Running elsewhere" (30 replicas, 10 of them on the killed worker), median. */
  static final double SWARM_KILL_MS = 22034;
  /** RESULTS.md §6: "restart killed dockerd → node Ready", median. */
  static final double SWARM_RESTART_READY_MS = 2547;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Baton baton;
  private final Path work;
  private final int runs;
  private final List<String> leftoverReport = new ArrayList<>();
  private Baton.Node manager;
  private Path managerDir;
  private final Baton.Node[] workers = new Baton.Node[2];
  private final Path[] workerDirs = new Path[2];
  private final String[] workerIds = new String[2];

  private ServiceConvergenceBench(Baton baton, Path work, int runs) {
    this.baton = baton;
    this.work = work;
    this.runs = runs;
  }

  /** One line of the result table; {@code swarmMs} NaN when Swarm has no such figure. */
  record Row(String figure, Stats stats, double swarmMs) {}

  /** One task of {@code service ps --format json}. */
  record TaskView(String node, String state, String desiredState, long specVersion) {
    boolean running() {
      return "running".equals(state) && "running".equals(desiredState);
    }
  }

  public static void main(String[] args) {
    BenchMain.run(args, "scripts/bench.sh services [--runs N]", "(N runs per figure, default 5)",
        "baton-bench-services.", ServiceConvergenceBench::stopTaskProcesses, (baton, work, runs) -> {
          String loadBefore = NodeStartupBench.loadAverage();
          ServiceConvergenceBench bench = new ServiceConvergenceBench(baton, work, runs);
          List<Row> rows = bench.measure();
          bench.printTable(rows, loadBefore, NodeStartupBench.loadAverage());
        });
  }

  private List<Row> measure() {
    Baton.Result warmUp = baton.run(CALL_TIMEOUT, "version"); // untimed: the first JVM start reads the jars from disk
    warmUp.stderr().lines().filter(l -> l.contains("][warning]") || l.contains("][error]")).findFirst().ifPresent(l ->
        progress("warning: the CLI's JVM reports '%s' (a stale AOT cache? bin/baton-train-aot makes a new one);"
            + " the figures include that", l.strip()));
    startCluster();
    List<Row> rows = new ArrayList<>();

    // 1. create K -> K running; rm -> processes gone
    List<Long> createCli = new ArrayList<>();
    List<Row> createRows = new ArrayList<>();
    List<Row> rmRows = new ArrayList<>();
    for (int s = 0; s < SIZES.length; s++) {
      int k = SIZES[s];
      List<Long> converged = new ArrayList<>();
      List<Long> drained = new ArrayList<>();
      for (int r = 1; r <= runs; r++) {
        String name = "s" + k + "-" + r;
        long start = System.nanoTime();
        Baton.Result create = cli("service", "create", "--detach", "--name", name, "--replicas", String.valueOf(k),
            "busybox", "sleep", "600");
        createCli.add(create.nanos());
        long end = awaitTasks(name, start, tasks -> running(tasks) == k, k + " running tasks");
        converged.add(end - start);
        long rm = removeAndDrain(name);
        drained.add(rm);
        progress("create %d, run %d/%d: CLI %d ms, %d running %d ms; rm -> processes gone %d ms", k, r, runs,
            create.nanos() / 1_000_000, k, (end - start) / 1_000_000, rm / 1_000_000);
      }
      createRows.add(new Row("create " + k + " -> " + k + " running", Stats.ofNanos(converged), SWARM_CREATE_MS[s]));
      rmRows.add(new Row("rm " + k + " -> its processes gone", Stats.ofNanos(drained), SWARM_RM_GONE_MS[s]));
    }
    rows.add(new Row("create --detach: CLI returns (all K)", Stats.ofNanos(createCli), SWARM_CREATE_CLI_MS));
    rows.addAll(createRows);
    rows.addAll(rmRows);

    // 2. rolling update of 10
    rows.add(new Row("update " + UPDATE_REPLICAS + " (parallelism 2) -> completed", Stats.ofNanos(rollingUpdates()),
        SWARM_UPDATE_MS));

    // 3. kill -9 a worker
    List<Long> moved = new ArrayList<>();
    List<Long> ready = new ArrayList<>();
    List<Long> leftoversGone = new ArrayList<>();
    for (int r = 1; r <= runs; r++) {
      long[] t = workerFailure(r);
      moved.add(t[0]);
      ready.add(t[1]);
      if (t[2] >= 0) {
        leftoversGone.add(t[2]);
      }
    }
    rows.add(new Row("kill -9 worker -> " + FAILURE_REPLICAS + " running elsewhere", Stats.ofNanos(moved), SWARM_KILL_MS));
    rows.add(new Row("restart killed worker -> ready", Stats.ofNanos(ready), SWARM_RESTART_READY_MS));
    if (!leftoversGone.isEmpty()) {
      rows.add(new Row("restart -> its leftover tasks stopped", Stats.ofNanos(leftoversGone), Double.NaN));
    }
    return rows;
  }

  // ---------------------------------------------------------------- cluster

  private void startCluster() {
    managerDir = work.resolve("manager");
    int port = Baton.freePortPair();
    String addr = "127.0.0.1:" + port;
    manager = baton.start(work.resolve("manager.log"), "init", "--state-dir", managerDir.toString(),
        "--listen-addr", addr, "--advertise-addr", addr, "--executor", "process");
    long deadline = System.nanoTime() + NODE_TIMEOUT.toNanos();
    while (true) {
      if (!manager.isAlive()) {
        throw manager.failure("exited before 'node ls' answered");
      }
      Baton.Result r = baton.run(CALL_TIMEOUT, "--state-dir", managerDir.toString(), "node", "ls");
      if (r.exitCode() == 0) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw manager.failure("'node ls' did not answer within " + NODE_TIMEOUT.toSeconds() + " s: " + r.stderr().strip());
      }
      pause();
    }
    String token = NodeStartupBench.withoutJvmLog(cli("join-token", "worker", "-q").stdout()).strip();
    for (int w = 0; w < workers.length; w++) {
      workerDirs[w] = work.resolve("worker" + (w + 1));
      int wp = Baton.freePortPair();
      workers[w] = baton.start(work.resolve("worker" + (w + 1) + ".log"), "join", "--state-dir", workerDirs[w].toString(),
          "--token", token, "--listen-addr", "127.0.0.1:" + wp, "--advertise-addr", "127.0.0.1:" + wp,
          "--executor", "process", addr);
    }
    for (Baton.Node worker : workers) {
      worker.awaitLine("This node joined the cluster", NODE_TIMEOUT);
    }
    for (int w = 0; w < workers.length; w++) {
      workerIds[w] = nodeId(workerDirs[w]);
    }
    awaitReady(System.nanoTime(), 3, null);
    progress("cluster up: manager PID %d, worker1 PID %d (%s), worker2 PID %d (%s)", manager.pid(),
        workers[0].pid(), workerIds[0], workers[1].pid(), workerIds[1]);
  }

  /** The node id a node keeps in {@code DIR/node.json}. */
  private static String nodeId(Path stateDir) {
    try {
      String id = JSON.readTree(stateDir.resolve("node.json").toFile()).path("nodeId").asText("");
      if (id.isEmpty()) {
        throw new BenchException(stateDir.resolve("node.json") + " has no nodeId");
      }
      return id;
    } catch (IOException e) {
      throw new BenchException("cannot read " + stateDir.resolve("node.json") + ": " + e.getMessage());
    }
  }

  /**
   * Polls the manager's {@code node ls} until {@code count} nodes are ready and, if {@code nodeId} is
   * given, that node is one of them; returns the end of that call.
   */
  private long awaitReady(long since, int count, String nodeId) {
    long deadline = since + NODE_TIMEOUT.toNanos();
    String last = "";
    while (true) {
      checkAlive();
      Baton.Result r = baton.run(CALL_TIMEOUT, "--state-dir", managerDir.toString(), "node", "ls", "--format", "json");
      if (r.exitCode() == 0) {
        Map<String, String> nodes = new HashMap<>();
        for (JsonNode n : parseArray(r.stdout(), "node ls")) {
          nodes.put(n.path("id").asText(), n.path("status").asText());
        }
        long ready = nodes.values().stream().filter("ready"::equals).count();
        if (ready >= count && (nodeId == null || "ready".equals(nodes.get(nodeId)))) {
          return r.endNanos();
        }
        last = nodes.toString();
      } else {
        last = "exit " + r.exitCode() + ": " + r.stderr().strip();
      }
      if (System.nanoTime() > deadline) {
        throw manager.failure((nodeId == null ? count + " nodes" : "node " + nodeId) + " not ready within "
            + NODE_TIMEOUT.toSeconds() + " s (last node ls: " + last + ")");
      }
      pause();
    }
  }

  /** Fails if the manager or a worker that should be running has exited. */
  private void checkAlive() {
    if (!manager.isAlive()) {
      throw manager.failure("the manager exited");
    }
    for (Baton.Node worker : workers) {
      if (worker != null && !worker.isAlive()) {
        throw worker.failure("a worker exited");
      }
    }
  }

  // ---------------------------------------------------------------- figures

  private List<Long> rollingUpdates() {
    String name = "u" + UPDATE_REPLICAS;
    cli("service", "create", "--detach", "--name", name, "--replicas", String.valueOf(UPDATE_REPLICAS), "busybox", "sleep", "600");
    awaitTasks(name, System.nanoTime(), tasks -> running(tasks) == UPDATE_REPLICAS, UPDATE_REPLICAS + " running tasks");
    List<Long> nanos = new ArrayList<>();
    for (int r = 1; r <= runs; r++) {
      long specBefore = inspect(name).path("specVersion").asLong();
      long taskVersionBefore = tasks(name).stream().filter(TaskView::running).mapToLong(TaskView::specVersion).max().orElse(0);
      long start = System.nanoTime();
      cli("service", "update", "--detach", "--env-add", "V=" + r, "--update-parallelism", "2", name);
      long deadline = start + CONVERGE_TIMEOUT.toNanos();
      long end;
      String last;
      while (true) {
        checkAlive();
        Baton.Result i = baton.run(CALL_TIMEOUT, "--state-dir", managerDir.toString(), "service", "inspect", name, "--format", "json");
        if (i.exitCode() == 0) {
          JsonNode service = parse(i.stdout(), "service inspect");
          String state = service.path("updateState").asText("");
          last = "specVersion " + service.path("specVersion").asLong() + ", updateState " + state;
          if (state.equals("paused") || state.startsWith("rollback")) {
            throw new BenchException("update of " + name + " ended " + state + ": " + service.path("updateMessage").asText());
          }
          if (service.path("specVersion").asLong() > specBefore && state.equals("completed")) {
            Baton.Result p = baton.run(CALL_TIMEOUT, "--state-dir", managerDir.toString(), "service", "ps", name, "--format", "json");
            if (p.exitCode() == 0) {
              List<TaskView> tasks = parseTasks(p.stdout());
              long fresh = tasks.stream().filter(t -> t.running() && t.specVersion() > taskVersionBefore).count();
              if (fresh == UPDATE_REPLICAS && running(tasks) == UPDATE_REPLICAS) {
                end = p.endNanos();
                break;
              }
              last += ", " + fresh + " running tasks of the new spec";
            }
          }
        } else {
          last = "inspect exit " + i.exitCode() + ": " + i.stderr().strip();
        }
        if (System.nanoTime() > deadline) {
          throw new BenchException("update of " + name + " not completed within " + CONVERGE_TIMEOUT.toSeconds() + " s (" + last + ")");
        }
        pause();
      }
      nanos.add(end - start);
      boolean envApplied = false;
      for (JsonNode env : inspect(name).path("env")) {
        envApplied |= env.asText().equals("V=" + r);
      }
      if (!envApplied) {
        throw new BenchException("service inspect " + name + " does not show env V=" + r + " after the update completed");
      }
      progress("rolling update of %d, run %d/%d: completed, %d running with the new env after %d ms", UPDATE_REPLICAS, r, runs,
          UPDATE_REPLICAS, (end - start) / 1_000_000);
    }
    removeAndDrain(name);
    return nanos;
  }

  /**
   * One run of figure 3: {ns from SIGKILL to 6 tasks running elsewhere, ns from the restart's spawn to
   * the node ready, ns from the restart's spawn until the cluster's {@code sleep 600} processes were
   * back to 6 (-1 if not within {@link #LEFTOVER_TIMEOUT})}.
   */
  private long[] workerFailure(int run) {
    int w = (run - 1) % workers.length;
    String label = "worker" + (w + 1);
    String victimId = workerIds[w];
    String name = "f" + FAILURE_REPLICAS + "-" + run;
    cli("service", "create", "--detach", "--name", name, "--replicas", String.valueOf(FAILURE_REPLICAS), "busybox", "sleep", "600");
    awaitTasks(name, System.nanoTime(), tasks -> running(tasks) == FAILURE_REPLICAS, FAILURE_REPLICAS + " running tasks");
    long onVictim = tasks(name).stream().filter(t -> t.running() && victimId.equals(t.node())).count();
    if (onVictim == 0) {
      progress("warning: run %d: the scheduler put none of the %d tasks on %s; its kill moves nothing", run, FAILURE_REPLICAS, label);
    }
    Map<String, Integer> before = sleepProcesses(work);

    Baton.Node victim = workers[w];
    workers[w] = null;
    long killed = System.nanoTime();
    victim.kill(); // SIGKILL to the JVM (bin/baton exec's it), as a crash
    long moved = awaitTasks(name, killed,
        tasks -> tasks.stream().filter(t -> t.running() && !victimId.equals(t.node())).count() == FAILURE_REPLICAS,
        FAILURE_REPLICAS + " running tasks on nodes other than " + victimId) - killed;
    Map<String, Integer> afterMove = sleepProcesses(work);

    Baton.Node back = baton.start(work.resolve(label + "-restart-" + run + ".log"), "start", "--state-dir", workerDirs[w].toString());
    workers[w] = back;
    long readyAt = -1;
    long leftoversGoneAt = -1;
    long leftoverDeadline = back.startNanos() + LEFTOVER_TIMEOUT.toNanos();
    long readyDeadline = back.startNanos() + NODE_TIMEOUT.toNanos();
    Map<String, Integer> afterRestart = Map.of();
    while (readyAt < 0 || (leftoversGoneAt < 0 && System.nanoTime() < leftoverDeadline)) {
      checkAlive();
      if (leftoversGoneAt < 0) {
        afterRestart = sleepProcesses(work);
        if (total(afterRestart) == FAILURE_REPLICAS) {
          leftoversGoneAt = System.nanoTime();
        }
      }
      if (readyAt < 0) {
        Baton.Result r = baton.run(CALL_TIMEOUT, "--state-dir", managerDir.toString(), "node", "ls", "--format", "json");
        if (r.exitCode() == 0) {
          for (JsonNode n : parseArray(r.stdout(), "node ls")) {
            if (n.path("id").asText().equals(victimId) && n.path("status").asText().equals("ready")) {
              readyAt = r.endNanos();
            }
          }
        }
        if (readyAt < 0 && System.nanoTime() > readyDeadline) {
          throw back.failure("the restarted " + label + " was not ready within " + NODE_TIMEOUT.toSeconds() + " s");
        }
      }
      if (leftoversGoneAt < 0 || readyAt < 0) {
        pause();
      }
    }
    if (leftoversGoneAt < 0) {
      afterRestart = sleepProcesses(work);
    }
    long ready = readyAt - back.startNanos();
    long leftovers = leftoversGoneAt < 0 ? -1 : leftoversGoneAt - back.startNanos();
    String check = String.format(Locale.ROOT,
        "run %d, kill -9 %s (PID %d, %d of %d tasks): sleep 600 processes before kill %d %s, when rescheduled %d %s,"
            + " after restart %d %s -> %s",
        run, label, victim.pid(), onVictim, FAILURE_REPLICAS, total(before), before, total(afterMove), afterMove,
        total(afterRestart), afterRestart,
        leftovers >= 0 ? "back to " + FAILURE_REPLICAS + " after " + leftovers / 1_000_000 + " ms"
            : "NOT back to " + FAILURE_REPLICAS + " within " + LEFTOVER_TIMEOUT.toSeconds() + " s");
    leftoverReport.add(check);
    progress("%s; restarted %s ready after %d ms; %d running elsewhere %d ms after the kill", check, label,
        ready / 1_000_000, FAILURE_REPLICAS, moved / 1_000_000);
    removeAndDrain(name);
    return new long[] {moved, ready, leftovers};
  }

  // ---------------------------------------------------------------- polling

  /** Polls {@code service ps NAME --format json} until {@code done}; returns the end of that call. */
  private long awaitTasks(String service, long since, Predicate<List<TaskView>> done, String what) {
    long deadline = since + CONVERGE_TIMEOUT.toNanos();
    String last = "";
    while (true) {
      checkAlive();
      Baton.Result r = baton.run(CALL_TIMEOUT, "--state-dir", managerDir.toString(), "service", "ps", service, "--format", "json");
      if (r.exitCode() == 0) {
        List<TaskView> tasks = parseTasks(r.stdout());
        if (done.test(tasks)) {
          return r.endNanos();
        }
        last = running(tasks) + " of " + tasks.size() + " tasks running";
      } else {
        last = "exit " + r.exitCode() + ": " + r.stderr().strip();
      }
      if (System.nanoTime() > deadline) {
        throw manager.failure("service " + service + ": no " + what + " within " + CONVERGE_TIMEOUT.toSeconds()
            + " s (last service ps: " + last + ")");
      }
      pause();
    }
  }

  /** {@code service rm NAME}, then waits until no task process is left; returns ns from the rm's spawn. */
  private long removeAndDrain(String service) {
    Baton.Result rm = cli("service", "rm", service);
    long deadline = rm.startNanos() + DRAIN_TIMEOUT.toNanos();
    while (true) {
      Map<String, Integer> left = sleepProcesses(work);
      if (left.isEmpty()) {
        return System.nanoTime() - rm.startNanos();
      }
      if (System.nanoTime() > deadline) {
        throw new BenchException("service " + service + " removed, but " + total(left) + " of its task processes still run after "
            + DRAIN_TIMEOUT.toSeconds() + " s: " + left);
      }
      pause();
    }
  }

  private List<TaskView> tasks(String service) {
    return parseTasks(cli("service", "ps", service, "--format", "json").stdout());
  }

  private JsonNode inspect(String service) {
    return parse(cli("service", "inspect", service, "--format", "json").stdout(), "service inspect");
  }

  private static long running(List<TaskView> tasks) {
    return tasks.stream().filter(TaskView::running).count();
  }

  private static List<TaskView> parseTasks(String stdout) {
    List<TaskView> tasks = new ArrayList<>();
    for (JsonNode t : parseArray(stdout, "service ps")) {
      tasks.add(new TaskView(t.path("node").asText(""), t.path("state").asText(""), t.path("desiredState").asText(""),
          t.path("specVersion").asLong()));
    }
    return tasks;
  }

  private static JsonNode parseArray(String stdout, String what) {
    JsonNode array = parse(stdout, what);
    if (!array.isArray()) {
      throw new BenchException(what + " --format json printed no JSON array");
    }
    return array;
  }

  private static JsonNode parse(String stdout, String what) {
    try {
      return JSON.readTree(NodeStartupBench.withoutJvmLog(stdout));
    } catch (IOException e) {
      throw new BenchException(what + " --format json printed no JSON: " + e.getMessage());
    }
  }

  /** One CLI call to the manager that must exit 0. */
  private Baton.Result cli(String... args) {
    String[] full = new String[args.length + 2];
    full[0] = "--state-dir";
    full[1] = managerDir.toString();
    System.arraycopy(args, 0, full, 2, args.length);
    Baton.Result r = baton.run(CALL_TIMEOUT, full);
    if (r.exitCode() != 0) {
      throw manager.failure("'baton " + String.join(" ", args) + "' failed (exit " + r.exitCode() + "): " + r.stderr().strip());
    }
    return r;
  }

  // ---------------------------------------------------------------- task processes

  /**
   * The cluster's task processes running {@code sleep 600}, counted per node (manager, worker1,
   * worker2): processes whose argv is {@code sleep 600} (any path to sleep) and whose working
   * directory lies in that node's state dir under {@code work}.
   */
  static Map<String, Integer> sleepProcesses(Path work) {
    Map<String, Integer> counts = new TreeMap<>();
    ProcessHandle.allProcesses().forEach(p -> taskOwner(p, work).ifPresent(node -> counts.merge(node, 1, Integer::sum)));
    return counts;
  }

  private static Optional<String> taskOwner(ProcessHandle p, Path work) {
    Path proc = Path.of("/proc", Long.toString(p.pid()));
    try {
      String[] argv = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
      if (argv.length != 2 || !(argv[0].equals("sleep") || argv[0].endsWith("/sleep")) || !argv[1].equals("600")) {
        return Optional.empty();
      }
      Path cwd = Files.readSymbolicLink(proc.resolve("cwd"));
      if (!cwd.startsWith(work) || cwd.equals(work)) {
        return Optional.empty();
      }
      return Optional.of(work.relativize(cwd).getName(0).toString());
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // gone meanwhile, or not ours to read
    }
  }

  private static int total(Map<String, Integer> counts) {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  /**
   * Stops task processes our nodes started that are still running (a killed node's tasks outlive it
   * until its restart): SIGTERM, then SIGKILL after 5 s, each by PID.
   */
  static void stopTaskProcesses(Path work) {
    List<ProcessHandle> left = ProcessHandle.allProcesses().filter(p -> taskOwner(p, work).isPresent()).toList();
    TaskProcesses.terminate(left, "bench: stopping %d task process(es) left by the cluster");
  }

  // ---------------------------------------------------------------- output

  private void printTable(List<Row> rows, String loadBefore, String loadAfter) {
    String format = "%-42s %5s %8s %8s %8s %10s %7s%n";
    System.out.println();
    System.out.printf(Locale.ROOT, "baton services, 1 manager + 2 workers (process executor, loopback), %d run%s per figure,"
        + " %d CPUs, load average %s before / %s after, times in ms%n",
        runs, runs == 1 ? "" : "s", Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
    System.out.printf(Locale.ROOT, format, "figure", "n", "min", "median", "max", "Swarm ref", "ratio");
    for (Row row : rows) {
      Stats s = row.stats();
      boolean ref = !Double.isNaN(row.swarmMs());
      System.out.printf(Locale.ROOT, format, row.figure(), s.count(), ms(s.minMs()), ms(s.medianMs()), ms(s.maxMs()),
          ref ? ms(row.swarmMs()) : "-", ref ? String.format(Locale.ROOT, "%.2fx", s.medianMs() / row.swarmMs()) : "-");
    }
    System.out.println();
    System.out.println("ratio = baton median / Swarm reference. Swarm references: medians from /work/shared/baselines/swarm/RESULTS.md");
    System.out.println("  (2 vCPU Debian 12 VM, docker 20.10, busybox:local, one node unless noted):");
    System.out.println("  create CLI: section 2 'create CLI returns (any N)' 34-36 ms, midpoint 35;");
    System.out.println("  create K: section 2 plain 'N=1/10/50 all Running' 695 / 2712 / 16116 ms (Swarm: sleep 3600, 1 node);");
    System.out.println("  rm K: section 2 --init 'N rm -> containers gone' 1770 / 2449 / 6180 ms (plain 11776 / 12539 / 16072 waits out");
    System.out.println("    the 10 s stop grace: sleep as PID 1 ignores SIGTERM; a process task's sleep dies of it, as under tini);");
    System.out.println("  update: section 2 --init rolling update N=10 '.UpdateStatus.State == completed' 16248 ms (includes Swarm's");
    System.out.println("    5 s update monitor; plain 66456 ms; baton completes when the last new task runs);");
    System.out.println("  kill -9: section 6 'SIGKILL -> 30 Running elsewhere' 22034 ms (30 replicas, 10 on the killed worker;");
    System.out.println("    here " + FAILURE_REPLICAS + " replicas, 2 on it); restart: section 6 'restart killed dockerd -> node Ready' 2547 ms.");
    System.out.println("Not like for like: a baton task here is a forked host process (no image, namespaces or container");
    System.out.println("  runtime), a Swarm task a container; the Swarm figures include that work.");
    System.out.println("Figures from the manager end with a polling CLI call (~0.2-0.3 s each, 100 ms pause between calls);");
    System.out.println("'rm' and 'leftover tasks stopped' scan /proc in the bench's JVM every 100 ms.");
    System.out.println();
    System.out.println("leftover check (sleep 600 processes of the cluster per node; a killed worker's tasks outlive it until its restart):");
    leftoverReport.forEach(line -> System.out.println("  " + line));
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
}
