package io.baton.bench;

import io.baton.api.ControlGrpc;
import io.baton.api.GetServiceRequest;
import io.baton.api.ListTasksRequest;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.ca.ManagerChannels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code service create --replicas N} until all N run, for N = 1, 10, 50, on real containers of this
 * machine's dockerd: baton (one manager running its own tasks, {@code --executor docker}) against
 * Docker Swarm ({@code docker swarm init} on the same daemon), both measured in the same run with
 * {@code busybox:latest sleep 3600}, polled every 100 ms as {@code /work/shared/baselines/swarm}
 * polls Swarm (baton through one gRPC client of the bench, Swarm through the docker CLI). The start is the spawn of the create command; the end is the first poll that sees N
 * running tasks. A second figure leaves out the clients (JVM start-up of each baton CLI call,
 * polling): from the service's creation time to the status timestamp of its last task to report
 * running, both as the cluster recorded them. Between runs the service is removed and the bench
 * waits until its containers are gone ({@code sleep} as PID 1 ignores SIGTERM, so both wait their 10 s default grace).
 *
 * <p>Refuses to run when the daemon is already part of a swarm (it would not leave someone's
 * swarm); leaves the swarm it made with {@code docker swarm leave --force} at the end, also on
 * failure. Starts only its own processes and stops them by PID.
 */
final class DockerConvergenceBench {
  private static final int[] SIZES = {1, 10, 50};
  private static final String IMAGE = "busybox:latest";
  private static final Duration POLL_PAUSE = Duration.ofMillis(100);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration NODE_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(300);
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(120);

  private final Baton baton;
  private final Path work;
  private final int runs;
  private Path managerDir;
  private Baton.Node manager;

  private record Row(String what, Stats baton, Stats swarm) {}

  /** One size's runs: wall times as the client saw them, and cluster-side times, in ns. */
  private record Times(List<Long> wall, List<Long> cluster) {}

  private DockerConvergenceBench(Baton baton, Path work, int runs) {
    this.baton = baton;
    this.work = work;
    this.runs = runs;
  }

  public static void main(String[] args) {
    BenchMain.run(args, "scripts/bench.sh docker [--runs N]", "(N runs per figure, default 5)",
        "baton-bench-docker.", work -> {}, (baton, work, runs) -> {
          DockerConvergenceBench bench = new DockerConvergenceBench(baton, work, runs);
          String loadBefore = NodeStartupBench.loadAverage();
          bench.preflight();
          List<Times> batonTimes = bench.measureBaton();
          List<Times> swarmTimes = bench.measureSwarm();
          List<Row> rows = new ArrayList<>();
          for (int s = 0; s < SIZES.length; s++) {
            rows.add(new Row("create " + SIZES[s] + " -> " + SIZES[s] + " running",
                Stats.ofNanos(batonTimes.get(s).wall()), Stats.ofNanos(swarmTimes.get(s).wall())));
          }
          for (int s = 0; s < SIZES.length; s++) {
            rows.add(new Row("  cluster-side, N = " + SIZES[s],
                Stats.ofNanos(batonTimes.get(s).cluster()), Stats.ofNanos(swarmTimes.get(s).cluster())));
          }
          bench.printTable(rows, loadBefore, NodeStartupBench.loadAverage());
        });
  }

  private void preflight() {
    Shell ping = docker("version", "--format", "{{.Server.Version}}");
    if (ping.code != 0) {
      throw new BenchException("no dockerd answers: " + ping.err.strip());
    }
    if (docker("image", "inspect", IMAGE).code != 0) {
      throw new BenchException(IMAGE + " is not present in the local dockerd (no registry is needed otherwise)");
    }
    String swarm = docker("info", "--format", "{{.Swarm.LocalNodeState}}").out.strip();
    if (!swarm.equals("inactive")) {
      throw new BenchException("this dockerd is already in a swarm (" + swarm + "); not touching it");
    }
  }

  // ---------------------------------------------------------------- baton

  private List<Times> measureBaton() {
    baton.run(CALL_TIMEOUT, "version"); // untimed: the first JVM start reads the jars from disk
    managerDir = work.resolve("manager");
    String addr = "127.0.0.1:" + Baton.freePortPair();
    manager = baton.start(work.resolve("manager.log"), "init", "--state-dir", managerDir.toString(),
        "--listen-addr", addr, "--advertise-addr", addr, "--executor", "docker");
    long deadline = System.nanoTime() + NODE_TIMEOUT.toNanos();
    while (baton.run(CALL_TIMEOUT, "--state-dir", managerDir.toString(), "node", "ls").exitCode() != 0) {
      if (!manager.isAlive() || System.nanoTime() > deadline) {
        throw manager.failure("did not answer 'node ls'");
      }
      pause();
    }
    ManagerChannels channels = StateDirs.clientChannels(managerDir);
    ControlGrpc.ControlBlockingStub control = ControlGrpc.newBlockingStub(channels.get(addr));
    List<Times> all = new ArrayList<>();
    for (int k : SIZES) {
      Times times = new Times(new ArrayList<>(), new ArrayList<>());
      for (int r = 1; r <= runs; r++) {
        String name = "b" + k + "-" + r;
        long start = System.nanoTime();
        cli("service", "create", "--detach", "--name", name, "--replicas", String.valueOf(k), IMAGE, "sleep", "3600");
        Converged seen = awaitBatonRunning(control, name, k, start);
        long cluster = batonClusterSide(control, name, seen.tasks());
        times.wall().add(seen.endNanos() - start);
        times.cluster().add(cluster);
        cli("service", "rm", name);
        long gone = awaitNoContainers("io.baton.service.name=" + name);
        progress("baton create %d, run %d/%d: %d running in %d ms (cluster-side %d ms); rm -> containers gone %d ms",
            k, r, runs, k, (seen.endNanos() - start) / 1_000_000, cluster / 1_000_000, gone / 1_000_000);
      }
      all.add(times);
    }
    channels.close();
    Baton.stopAll();
    return all;
  }

  private record Converged(long endNanos, List<Task> tasks) {}

  /** ns from the service's creation to its last task's running status, as the store has them. */
  private long batonClusterSide(ControlGrpc.ControlBlockingStub control, String service, List<Task> tasks) {
    long created = control.getService(GetServiceRequest.newBuilder().setService(service).build())
        .getService().getMeta().getCreatedAtMs();
    long last = tasks.stream().filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING)
        .mapToLong(t -> t.getStatus().getTimestampMs()).max().orElse(created);
    return (last - created) * 1_000_000;
  }

  /**
   * Polls the manager's control API over one mutual-TLS gRPC channel of this JVM, with the
   * manager's own certificate: as cheap per poll as {@code docker service ps} is for Swarm. (A
   * baton CLI process per poll would spend a JVM start-up of CPU on every poll, which the two cores
   * would take from dockerd's starts.)
   */
  private Converged awaitBatonRunning(ControlGrpc.ControlBlockingStub control, String service, int k, long since) {
    long deadline = since + CONVERGE_TIMEOUT.toNanos();
    while (true) {
      if (!manager.isAlive()) {
        throw manager.failure("exited while service " + service + " converged");
      }
      List<Task> tasks = control.withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .listTasks(ListTasksRequest.newBuilder().setService(service).build()).getTasksList();
      long now = System.nanoTime();
      long running = tasks.stream().filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING
          && t.getDesiredState() == TaskState.TASK_STATE_RUNNING).count();
      if (running == k) {
        return new Converged(now, tasks);
      }
      if (now > deadline) {
        throw manager.failure("service " + service + ": not " + k + " running within " + CONVERGE_TIMEOUT.toSeconds() + " s");
      }
      pause();
    }
  }

  private void cli(String... args) {
    String[] full = new String[args.length + 2];
    full[0] = "--state-dir";
    full[1] = managerDir.toString();
    System.arraycopy(args, 0, full, 2, args.length);
    Baton.Result r = baton.run(CALL_TIMEOUT, full);
    if (r.exitCode() != 0) {
      throw manager.failure("'baton " + String.join(" ", args) + "' failed (exit " + r.exitCode() + "): " + r.stderr().strip());
    }
  }

  // ---------------------------------------------------------------- swarm

  private List<Times> measureSwarm() {
    int port = Baton.freePortPair();
    Shell init = docker("swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1:" + port);
    if (init.code != 0) {
      throw new BenchException("docker swarm init failed: " + init.err.strip());
    }
    // Also on Ctrl-C or SIGTERM, which skip the finally below: never leave the swarm behind.
    Thread leaveOnExit = new Thread(() -> docker("swarm", "leave", "--force"), "bench-swarm-leave");
    Runtime.getRuntime().addShutdownHook(leaveOnExit);
    try {
      List<Times> all = new ArrayList<>();
      for (int k : SIZES) {
        Times times = new Times(new ArrayList<>(), new ArrayList<>());
        for (int r = 1; r <= runs; r++) {
          String name = "s" + k + "-" + r;
          long start = System.nanoTime();
          Shell create = docker("service", "create", "--detach", "--quiet", "--replicas", String.valueOf(k),
              "--name", name, IMAGE, "sleep", "3600");
          if (create.code != 0) {
            throw new BenchException("docker service create failed: " + create.err.strip());
          }
          long end = awaitSwarmRunning(name, k, start);
          long cluster = swarmClusterSide(name);
          times.wall().add(end - start);
          times.cluster().add(cluster);
          docker("service", "rm", name);
          long gone = awaitNoContainers("com.docker.swarm.service.name=" + name);
          progress("swarm create %d, run %d/%d: %d running in %d ms (cluster-side %d ms); rm -> containers gone %d ms",
              k, r, runs, k, (end - start) / 1_000_000, cluster / 1_000_000, gone / 1_000_000);
        }
        all.add(times);
      }
      return all;
    } finally {
      Runtime.getRuntime().removeShutdownHook(leaveOnExit);
      Shell leave = docker("swarm", "leave", "--force");
      if (leave.code != 0) {
        progress("docker swarm leave --force failed: %s", leave.err.strip());
      }
    }
  }

  /** ns from the service's CreatedAt to the latest status timestamp of its running tasks. */
  private static long swarmClusterSide(String service) {
    Shell created = docker("service", "inspect", "--format", "{{.CreatedAt.UnixNano}}", service);
    Shell ids = docker("service", "ps", "-q", "--filter", "desired-state=running", service);
    if (created.code != 0 || ids.code != 0) {
      throw new BenchException("docker service inspect/ps " + service + " failed: " + created.err.strip() + ids.err.strip());
    }
    List<String> inspect = new ArrayList<>(List.of("inspect", "--format", "{{.Status.Timestamp.UnixNano}}"));
    inspect.addAll(ids.out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    Shell stamps = docker(inspect.toArray(String[]::new));
    if (stamps.code != 0) {
      throw new BenchException("docker inspect of the tasks of " + service + " failed: " + stamps.err.strip());
    }
    long last = stamps.out.lines().map(String::strip).filter(l -> !l.isEmpty()).mapToLong(Long::parseLong).max()
        .orElseThrow(() -> new BenchException("no running task of " + service));
    return last - Long.parseLong(created.out.strip());
  }

  private long awaitSwarmRunning(String service, int k, long since) {
    long deadline = since + CONVERGE_TIMEOUT.toNanos();
    while (true) {
      Shell ps = docker("service", "ps", service, "--filter", "desired-state=running", "--format", "{{.CurrentState}}");
      long now = System.nanoTime();
      if (ps.code == 0 && ps.out.lines().filter(l -> l.startsWith("Running")).count() == k) {
        return now;
      }
      if (now > deadline) {
        throw new BenchException("swarm service " + service + ": not " + k + " running within "
            + CONVERGE_TIMEOUT.toSeconds() + " s");
      }
      pause();
    }
  }

  // ---------------------------------------------------------------- shared

  /** Waits until no container carries {@code label}; returns the ns waited. */
  private static long awaitNoContainers(String label) {
    long start = System.nanoTime();
    while (true) {
      Shell ps = docker("ps", "-aq", "--filter", "label=" + label);
      if (ps.code == 0 && ps.out.isBlank()) {
        return System.nanoTime() - start;
      }
      if (System.nanoTime() - start > DRAIN_TIMEOUT.toNanos()) {
        throw new BenchException("containers labelled " + label + " still there after " + DRAIN_TIMEOUT.toSeconds() + " s");
      }
      pause();
    }
  }

  private record Shell(int code, String out, String err) {}

  private static Shell docker(String... args) {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      var out = p.getInputStream();
      var err = p.getErrorStream();
      var errText = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(err));
      String outText = read(out);
      if (!p.waitFor(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new BenchException("'docker " + String.join(" ", args) + "' did not finish within " + CALL_TIMEOUT.toSeconds() + " s");
      }
      return new Shell(p.exitValue(), outText, errText.join());
    } catch (IOException e) {
      throw new BenchException("cannot run docker: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }

  private static String read(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static void pause() {
    try {
      Thread.sleep(POLL_PAUSE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }

  private static void progress(String format, Object... args) {
    System.err.printf(Locale.ROOT, "bench: " + format + "%n", args);
  }

  private void printTable(List<Row> rows, String loadBefore, String loadAfter) {
    System.out.printf(Locale.ROOT, "service convergence on real containers, one dockerd, %s, %d run%s per figure,"
        + " load %s -> %s%n", IMAGE + " sleep 3600", runs, runs == 1 ? "" : "s", loadBefore, loadAfter);
    System.out.printf(Locale.ROOT, "| %-26s | %-28s | %-28s |%n", "measurement (ms)", "baton docker min/med/max",
        "Swarm, same run min/med/max");
    System.out.printf(Locale.ROOT, "|%s|%s|%s|%n", "-".repeat(28), "-".repeat(30), "-".repeat(30));
    for (Row row : rows) {
      System.out.printf(Locale.ROOT, "| %-26s | %-28s | %-28s |%n", row.what(), format(row.baton()), format(row.swarm()));
    }
  }

  private static String format(Stats s) {
    return String.format(Locale.ROOT, "%.0f / %.0f / %.0f", s.minMs(), s.medianMs(), s.maxMs());
  }
}
