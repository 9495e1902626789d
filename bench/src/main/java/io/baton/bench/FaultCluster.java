package io.baton.bench;

import io.baton.api.ClusterInfo;
import io.baton.api.ControlGrpc;
import io.baton.api.GetClusterRequest;
import io.baton.api.ListNodesRequest;
import io.baton.api.ListServicesRequest;
import io.baton.api.ListTasksRequest;
import io.baton.api.ManagerStatus;
import io.baton.api.NodeInfo;
import io.baton.api.NodeState;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.ca.ManagerChannels;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A cluster of real {@code bin/baton} processes for fault trials: managers first (the first one
 * runs {@code init}), then workers, each with its own state dir under the work dir, the process
 * executor and a short heartbeat period, so down detection takes seconds. A member may live in a
 * {@link Netns}; it then listens on the namespace's address and the others on
 * {@link Netns#HOST_ADDRESS}. The harness talks to the managers over mutual TLS with the first
 * manager's certificate (an operator's {@code -H} client), so it reaches every manager it can route
 * to; a manager behind a cut veth is reached only through its control socket (CLI calls). Managers
 * join through the first, workers through the last (so a worker in one namespace never needs a
 * route into another: namespaces reach only the host).
 *
 * <p>Every process is a {@link Baton.Node}: stopped by PID on close or on exit.
 */
final class FaultCluster implements AutoCloseable {
  static final Duration HEARTBEAT = Duration.ofSeconds(1);
  static final Duration NODE_TIMEOUT = Duration.ofSeconds(120);
  static final Duration CONVERGE = Duration.ofSeconds(90);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(5);

  /** One node: where it lives and its current process. */
  static final class Member {
    final String name;
    final boolean manager;
    final Path dir;
    final String addr;
    final Optional<Netns> netns;
    final List<String> extraJoinArgs;
    Baton.Node process;
    String id;
    boolean stopped; // SIGSTOPped by the trial

    Member(String name, boolean manager, Path dir, String addr, Optional<Netns> netns, List<String> extraJoinArgs) {
      this.name = name;
      this.manager = manager;
      this.dir = dir;
      this.addr = addr;
      this.netns = netns;
      this.extraJoinArgs = extraJoinArgs;
    }

    boolean up() {
      return process != null && process.isAlive() && !stopped;
    }

    @Override
    public String toString() {
      return name + (id == null ? "" : " (" + id.substring(0, 8) + ")");
    }
  }

  /** Where a member runs: its netns (empty: the host side) and extra {@code join} flags. */
  record Placement(Optional<Netns> netns, List<String> joinArgs) {
    static final Placement HOST = new Placement(Optional.empty(), List.of());
  }

  private final Baton baton;
  private final Path work;
  private final String tag;
  final List<Member> managers = new ArrayList<>();
  final List<Member> workers = new ArrayList<>();
  private volatile ManagerChannels channels;
  private int restarts;

  private FaultCluster(Baton baton, Path work, String tag) {
    this.baton = baton;
    this.work = work;
    this.tag = tag;
  }

  /**
   * Starts the managers, then the workers, and waits until the cluster is healthy.
   *
   * @param hostAddress the address host-side nodes listen on ({@code 127.0.0.1} without netns)
   */
  static FaultCluster start(Baton baton, Path work, String tag, String hostAddress, List<Placement> managerPlaces,
      List<Placement> workerPlaces) {
    FaultCluster c = new FaultCluster(baton, work, tag);
    try {
      for (int i = 0; i < managerPlaces.size(); i++) {
        c.managers.add(c.member(tag + "-m" + (i + 1), true, hostAddress, managerPlaces.get(i)));
      }
      for (int i = 0; i < workerPlaces.size(); i++) {
        c.workers.add(c.member(tag + "-w" + (i + 1), false, hostAddress, workerPlaces.get(i)));
      }
      Member first = c.managers.get(0);
      first.process = c.spawn(first, "init", "--state-dir", first.dir.toString(), "--listen-addr", first.addr,
          "--advertise-addr", first.addr, "--executor", "process", "--heartbeat-period", HEARTBEAT.toSeconds() + "s");
      first.process.awaitLine("Cluster initialized", NODE_TIMEOUT);
      String managerToken = c.cliOk(first, "join-token", "manager", "-q").strip();
      String workerToken = c.cliOk(first, "join-token", "worker", "-q").strip();
      for (Member m : c.all()) {
        if (m != first) {
          List<String> args = new ArrayList<>(List.of("join", "--state-dir", m.dir.toString(), "--token",
              m.manager ? managerToken : workerToken, "--listen-addr", m.addr, "--advertise-addr", m.addr,
              "--executor", "process"));
          args.addAll(m.extraJoinArgs);
          // workers join through the last manager: on the host side where the first is in a netns
          args.add(m.manager ? first.addr : c.managers.getLast().addr);
          m.process = c.spawn(m, args.toArray(String[]::new));
          m.process.awaitLine("This node joined the cluster", NODE_TIMEOUT);
        }
      }
      for (Member m : c.all()) {
        m.id = StateDirs.nodeId(m.dir);
      }
      c.channels = StateDirs.clientChannels(first.dir);
      c.awaitHealthy();
      return c;
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private Member member(String name, boolean manager, String hostAddress, Placement place) {
    String host = place.netns().map(Netns::address).orElse(hostAddress);
    return new Member(name, manager, work.resolve(name), host + ":" + Baton.freePortPair(), place.netns(),
        place.joinArgs());
  }

  private Baton.Node spawn(Member m, String... args) {
    List<String> prefix = m.netns.map(Netns::exec).orElse(List.of());
    return baton.start(prefix, work.resolve(m.name + "-" + (restarts++) + ".log"), args);
  }

  List<Member> all() {
    List<Member> all = new ArrayList<>(managers);
    all.addAll(workers);
    return all;
  }

  // ------------------------------------------------------------------ faults

  /** SIGKILL: a crash. The member's task processes outlive it. */
  void kill(Member m) {
    m.process.kill();
  }

  void sigstop(Member m) {
    m.process.signal("STOP");
    m.stopped = true;
  }

  void sigcont(Member m) {
    m.process.signal("CONT");
    m.stopped = false;
  }

  /** {@code baton start} from the member's state dir (after a kill or a stop). */
  void restart(Member m) {
    m.process = spawn(m, "start", "--state-dir", m.dir.toString());
  }

  // ------------------------------------------------------------------ control API

  ControlGrpc.ControlBlockingStub control(Member m) {
    return ControlGrpc.newBlockingStub(channels.get(m.addr)).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A stub without a deadline, for {@link AckedWrites}. */
  ControlGrpc.ControlBlockingStub controlNoDeadline(int manager) {
    return ControlGrpc.newBlockingStub(channels.get(managers.get(manager).addr));
  }

  /** The first answer of {@code call} from a manager that is up and answers, if any does. */
  <T> Optional<T> query(Function<ControlGrpc.ControlBlockingStub, T> call, Predicate<Member> reachable) {
    for (Member m : managers) {
      if (m.up() && reachable.test(m)) {
        try {
          return Optional.of(call.apply(control(m)));
        } catch (StatusRuntimeException e) {
          // try the next manager
        }
      }
    }
    return Optional.empty();
  }

  <T> Optional<T> query(Function<ControlGrpc.ControlBlockingStub, T> call) {
    return query(call, m -> true);
  }

  List<String> serviceNames(Predicate<Member> reachable) {
    return await("the service list", () -> query(c -> c.listServices(ListServicesRequest.getDefaultInstance())
        .getServicesList().stream().map(s -> s.getService().getSpec().getName()).toList(), reachable), NODE_TIMEOUT);
  }

  List<Task> tasks(String service) {
    return await("the tasks of " + service, () -> query(c -> c.listTasks(ListTasksRequest.newBuilder().setService(service)
        .build()).getTasksList()), NODE_TIMEOUT);
  }

  /** Tasks of {@code service} that run and should (as the store sees it). */
  static List<Task> running(List<Task> tasks) {
    return tasks.stream().filter(t -> t.getDesiredState() == TaskState.TASK_STATE_RUNNING
        && t.getStatus().getState() == TaskState.TASK_STATE_RUNNING).toList();
  }

  /** The manager the node list shows as leader, asking only managers {@code reachable} accepts. */
  Optional<Member> leader(Predicate<Member> reachable) {
    Optional<List<NodeInfo>> nodes = query(c -> c.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList(),
        reachable);
    return nodes.flatMap(list -> list.stream().filter(n -> n.getManagerStatus() == ManagerStatus.MANAGER_STATUS_LEADER)
        .map(n -> n.getNode().getId()).findFirst()).flatMap(id -> managers.stream().filter(m -> id.equals(m.id)).findFirst());
  }

  Member awaitLeader(Predicate<Member> reachable) {
    return await("a leader", () -> leader(reachable).filter(reachable), NODE_TIMEOUT);
  }

  /** Waits until one leader and every other manager reachable, every worker ready, all processes up. */
  void awaitHealthy() {
    await("a healthy cluster (1 leader, " + (managers.size() - 1) + " reachable managers, all " + all().size()
        + " nodes ready)", () -> {
          for (Member m : all()) {
            if (!m.up()) {
              throw m.process == null ? new BenchException(m + " has no process")
                  : m.process.failure(m + " is not running");
            }
          }
          return query(c -> c.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList()).filter(list -> {
            long leaders = list.stream().filter(n -> n.getManagerStatus() == ManagerStatus.MANAGER_STATUS_LEADER).count();
            long reachable = list.stream().filter(n -> n.getManagerStatus() == ManagerStatus.MANAGER_STATUS_REACHABLE).count();
            long ready = list.stream().filter(n -> n.getNode().getStatus().getState() == NodeState.NODE_STATE_READY).count();
            return leaders == 1 && reachable == managers.size() - 1 && ready == all().size() && list.size() == all().size();
          });
        }, NODE_TIMEOUT);
  }

  /**
   * Waits until every manager that is up answers {@code GetCluster} with the same data-key ring and
   * root, satisfying {@code condition}; returns that answer.
   */
  ClusterInfo awaitSameCluster(Predicate<ClusterInfo> condition) {
    return await("every manager showing the same cluster keys and root", () -> {
      List<ClusterInfo> seen = new ArrayList<>();
      for (Member m : managers) {
        if (m.up()) {
          try {
            seen.add(control(m).getCluster(GetClusterRequest.getDefaultInstance()));
          } catch (StatusRuntimeException e) {
            return Optional.empty();
          }
        }
      }
      if (seen.isEmpty()) {
        return Optional.empty();
      }
      ClusterInfo first = seen.getFirst();
      boolean same = seen.stream().allMatch(i -> i.getDataKeyCount() == first.getDataKeyCount()
          && i.getCurrentDataKey() == first.getCurrentDataKey() && i.getRootCaDigest().equals(first.getRootCaDigest()));
      return same && condition.test(first) ? Optional.of(first) : Optional.empty();
    }, CONVERGE);
  }

  /**
   * Reads the first manager's certificate, key and trusted roots again: after a root CA rotation
   * the harness's old certificate is refused.
   */
  void reloadCredentials() {
    ManagerChannels old = channels;
    channels = StateDirs.clientChannels(managers.get(0).dir);
    old.close();
  }

  /** Waits until the store shows {@code m} in {@code state}. */
  void awaitNodeState(Member m, NodeState state, Predicate<Member> reachable) {
    await(m + " " + state, () -> query(c -> c.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList(), reachable)
        .filter(list -> list.stream().anyMatch(n -> n.getNode().getId().equals(m.id)
            && n.getNode().getStatus().getState() == state)), NODE_TIMEOUT);
  }

  // ------------------------------------------------------------------ CLI

  /** {@code bin/baton --state-dir DIR ARGS} against member {@code m}'s control socket. */
  Baton.Result cli(Member m, Duration timeout, String... args) {
    String[] full = new String[args.length + 2];
    full[0] = "--state-dir";
    full[1] = m.dir.toString();
    System.arraycopy(args, 0, full, 2, args.length);
    return baton.run(timeout, full);
  }

  String cliOk(Member m, String... args) {
    Baton.Result r = cli(m, Duration.ofSeconds(60), args);
    if (r.exitCode() != 0) {
      throw new BenchException("'baton " + String.join(" ", args) + "' on " + m + " failed: " + r.stderr().strip());
    }
    return NodeStartupBench.withoutJvmLog(r.stdout());
  }

  // ------------------------------------------------------------------ waiting

  /** Polls {@code probe} every 100 ms until it yields a value; fails naming {@code what} after {@code timeout}. */
  static <T> T await(String what, Supplier<Optional<T>> probe, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<T> value = probe.get();
      if (value.isPresent()) {
        return value.get();
      }
      if (System.nanoTime() > deadline) {
        throw new BenchException("no " + what + " within " + timeout.toSeconds() + " s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      }
    }
  }

  static void await(String what, BooleanSupplier condition, Duration timeout) {
    await(what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty(), timeout);
  }

  /** SIGTERM and wait (SIGKILL after {@link Baton#STOP_GRACE}): a clean stop. */
  void terminate(Member m) {
    long start = System.nanoTime();
    m.process.close();
    long ms = (System.nanoTime() - start) / 1_000_000;
    if (ms > 5_000) {
      System.err.printf("faults: %s took %d ms to stop after SIGTERM%n", m, ms);
    }
  }

  /**
   * Stops the workers, then the managers: SIGTERM to each of a group at once (SIGCONT first where
   * stopped), then waits for them; names any that needed longer than 5 s, or had to be killed
   * after {@link Baton#STOP_GRACE}. (A worker whose managers stop at the same moment may take
   * longer than that grace to stop.)
   */
  void terminateAll() {
    terminateAll(workers);
    terminateAll(managers);
  }

  private void terminateAll(List<Member> group) {
    List<Thread> stopping = new ArrayList<>();
    for (Member m : group) {
      if (m.process != null && m.process.isAlive()) {
        if (m.stopped) {
          sigcont(m);
        }
        stopping.add(Thread.ofPlatform().name("stop-" + m.name).start(() -> {
          long start = System.nanoTime();
          long pid = m.process.pid();
          m.process.close();
          long ms = (System.nanoTime() - start) / 1_000_000;
          if (ms > 5_000) {
            System.err.printf("faults: %s (PID %d) took %d ms to stop after SIGTERM%n", m, pid, ms);
          }
        }));
      }
    }
    for (Thread t : stopping) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Stops every member and the channels. */
  @Override
  public void close() {
    terminateAll();
    if (channels != null) {
      channels.close();
    }
  }
}
