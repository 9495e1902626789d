package io.baton.bench;

import io.baton.api.ControlGrpc;
import io.baton.api.ListNodesRequest;
import io.baton.api.ListServicesRequest;
import io.baton.api.ManagerStatus;
import io.baton.api.NodeInfo;
import io.baton.ca.ManagerChannels;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Leader failover on three real {@code bin/baton} manager processes on loopback, under continuous
 * writes. One writer creates services ({@code --replicas 0}, so only the store is exercised) one
 * after the other through the managers in turn, over mutual TLS with the first manager's
 * certificate; a write that fails is retried through the next manager. Each run SIGKILLs the
 * leader's JVM and times <b>kill -9 → the first write accepted</b> (a write sent after the kill
 * and acknowledged), then restarts the killed manager with {@code baton start} and waits until the
 * three are a healthy group again.
 *
 * <p>It is also a fault test: at the end every acknowledged write must be in the store exactly
 * once, or the benchmark fails. A write whose acknowledgement was lost in the crash and that was
 * then retried is answered {@code ALREADY_EXISTS}; it counts as applied.
 *
 * <p>Docker Swarm with 3 managers on this kind of machine: 12134 ms median (9788-20176) for kill -9
 * of the leader → {@code config create} succeeds, its API calls hanging meanwhile
 * ({@code /work/shared/baselines/swarm/HA-RESULTS.md}).
 *
 * <p>Run from the repository root: {@code scripts/bench.sh failover [--runs N]} (N kills, default 10).
 */
public final class FailoverBench {
  private static final Duration NODE_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(15);
  private static final int WRITES_BETWEEN_KILLS = 120;
  private static final double SWARM_MEDIAN_MS = 12134;

  private final Baton baton;
  private final Path work;
  private final String[] dirs = new String[3];
  private final String[] addrs = new String[3];
  private final String[] ids = new String[3];
  private final Baton.Node[] nodes = new Baton.Node[3];
  private ManagerChannels channels;
  private AckedWrites writes;

  private FailoverBench(Baton baton, Path work) {
    this.baton = baton;
    this.work = work;
  }

  public static void main(String[] args) {
    BenchMain.run(args, "scripts/bench.sh failover [--runs N]",
        "N leader kills under continuous writes (default 10); fails if an acknowledged write is lost",
        "baton-failover-", work -> { }, (baton, work, runs) -> new FailoverBench(baton, work).measure(runs));
  }

  private void measure(int runs) {
    startManagers();
    List<Long> failovers = new ArrayList<>();
    try {
      for (int run = 1; run <= runs; run++) {
        writeUntilAcknowledged(WRITES_BETWEEN_KILLS);
        int leader = leaderIndex();
        nodes[leader].kill();
        long killed = System.nanoTime();
        long acceptedAt = writeOnce();
        failovers.add(acceptedAt - killed);
        System.err.printf("bench: run %d: killed manager %d (leader), a write was accepted after %d ms%n",
            run, leader + 1, TimeUnit.NANOSECONDS.toMillis(acceptedAt - killed));
        nodes[leader] = baton.start(work.resolve("m" + (leader + 1) + "-restart" + run + ".log"),
            "start", "--state-dir", dirs[leader]);
        awaitHealthyGroup();
      }
      writeUntilAcknowledged(WRITES_BETWEEN_KILLS);
      verifyNothingLost();
    } finally {
      channels.close();
    }
    Stats s = Stats.ofNanos(failovers);
    System.out.println();
    System.out.println("baton leader failover, 3 manager processes on loopback, " + runs + " kills");
    System.out.println("| figure | baton min / median / max | Swarm median | ratio |");
    System.out.println("|---|---|---|---|");
    System.out.printf("| kill -9 leader → write accepted | %.0f / %.0f / %.0f ms | %.0f ms | %.2f× |%n",
        s.minMs(), s.medianMs(), s.maxMs(), SWARM_MEDIAN_MS, s.medianMs() / SWARM_MEDIAN_MS);
    System.out.printf("| acknowledged writes (all present exactly once) | %d | | |%n", writes.acknowledged());
  }

  private void startManagers() {
    for (int i = 0; i < 3; i++) {
      dirs[i] = work.resolve("m" + (i + 1)).toString();
      addrs[i] = "127.0.0.1:" + Baton.freePortPair();
    }
    nodes[0] = baton.start(work.resolve("m1.log"), "init", "--state-dir", dirs[0],
        "--listen-addr", addrs[0], "--advertise-addr", addrs[0], "--executor", "process");
    nodes[0].awaitLine("Cluster initialized", NODE_TIMEOUT);
    String token = cli(Duration.ofSeconds(30), "--state-dir", dirs[0], "join-token", "manager", "-q").strip();
    for (int i = 1; i < 3; i++) {
      nodes[i] = baton.start(work.resolve("m" + (i + 1) + ".log"), "join", "--state-dir", dirs[i],
          "--token", token, "--listen-addr", addrs[i], "--advertise-addr", addrs[i], "--executor", "process",
          addrs[0]);
      nodes[i].awaitLine("This node joined the cluster", NODE_TIMEOUT);
    }
    for (int i = 0; i < 3; i++) {
      ids[i] = StateDirs.nodeId(Path.of(dirs[i]));
    }
    channels = StateDirs.clientChannels(Path.of(dirs[0]));
    writes = new AckedWrites("f", 3, i -> ControlGrpc.newBlockingStub(channels.get(addrs[i])), i -> nodes[i].isAlive(),
        CALL_DEADLINE);
    awaitHealthyGroup();
  }

  private ControlGrpc.ControlBlockingStub control(int i) {
    return ControlGrpc.newBlockingStub(channels.get(addrs[i]))
        .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void writeUntilAcknowledged(int count) {
    for (int i = 0; i < count; i++) {
      writeOnce();
    }
  }

  private long writeOnce() {
    return writes.writeOnce(NODE_TIMEOUT);
  }

  private Optional<List<NodeInfo>> listNodes() {
    for (int i = 0; i < 3; i++) {
      if (nodes[i].isAlive()) {
        try {
          return Optional.of(control(i).listNodes(ListNodesRequest.getDefaultInstance()).getNodesList());
        } catch (StatusRuntimeException e) {
          // try the next manager
        }
      }
    }
    return Optional.empty();
  }

  private int leaderIndex() {
    long deadline = System.nanoTime() + NODE_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<String> leader = listNodes().flatMap(list -> list.stream()
          .filter(n -> n.getManagerStatus() == ManagerStatus.MANAGER_STATUS_LEADER)
          .map(n -> n.getNode().getId()).findFirst());
      for (int i = 0; leader.isPresent() && i < 3; i++) {
        if (ids[i].equals(leader.get())) {
          return i;
        }
      }
      pause();
    }
    throw new BenchException("no leader was shown within " + NODE_TIMEOUT.toSeconds() + " s");
  }

  /** Waits until the node list shows one leader and two reachable managers. */
  private void awaitHealthyGroup() {
    long deadline = System.nanoTime() + NODE_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<List<NodeInfo>> list = listNodes();
      if (list.isPresent()) {
        Map<ManagerStatus, Integer> counts = new HashMap<>();
        list.get().forEach(n -> counts.merge(n.getManagerStatus(), 1, Integer::sum));
        if (counts.getOrDefault(ManagerStatus.MANAGER_STATUS_LEADER, 0) == 1
            && counts.getOrDefault(ManagerStatus.MANAGER_STATUS_REACHABLE, 0) == 2) {
          return;
        }
      }
      pause();
    }
    throw nodes[0].failure("the three managers did not form a healthy group within " + NODE_TIMEOUT.toSeconds() + " s");
  }

  private void verifyNothingLost() {
    int leader = leaderIndex();
    writes.verify(control(leader).listServices(ListServicesRequest.getDefaultInstance()).getServicesList()
        .stream().map(s -> s.getService().getSpec().getName()).toList());
  }

  private String cli(Duration timeout, String... args) {
    Baton.Result r = baton.run(timeout, args);
    if (r.exitCode() != 0) {
      throw new BenchException("'baton " + String.join(" ", args) + "' failed: " + r.stderr().strip());
    }
    return r.stdout();
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }
}
