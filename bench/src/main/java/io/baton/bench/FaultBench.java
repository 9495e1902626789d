package io.baton.bench;

import com.google.protobuf.ByteString;
import io.baton.api.Availability;
import io.baton.api.ClusterInfo;
import io.baton.api.CreateSecretRequest;
import io.baton.api.CreateServiceRequest;
import io.baton.api.GetClusterRequest;
import io.baton.api.GetServiceRequest;
import io.baton.api.ListServicesRequest;
import io.baton.api.NodeState;
import io.baton.api.ReplicatedService;
import io.baton.api.RootRotationProgress;
import io.baton.api.SecretReference;
import io.baton.api.SecretSpec;
import io.baton.api.Service;
import io.baton.api.ServiceSpec;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.UpdateClusterRequest;
import io.baton.api.UpdateNodeRequest;
import io.baton.api.UpdateOrder;
import io.baton.api.UpdateServiceRequest;
import io.baton.api.UpdateState;
import io.baton.bench.FaultCluster.Member;
import io.baton.bench.FaultCluster.Placement;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Faults at process level on real {@code bin/baton} processes (issue 9 §2), each trial followed by
 * checks: the cluster converges (one leader, every manager reachable, every node ready); no
 * acknowledged write is lost or applied twice ({@link AckedWrites}); no slot of a replicated
 * service ever has more live task processes than its update order allows ({@link TaskProcesses},
 * from the OS's own view); no secret byte is left in any state dir or log, and no tmpfs of a node
 * holds a secret it no longer needs.
 *
 * <p>Cluster A (3 managers + 2 workers on loopback, heartbeat 1 s): kill -9 and SIGSTOP/SIGCONT
 * (3 s, five times the 600 ms maximum election timeout) of the leader and of a follower under
 * continuous writes; both during a rolling update (stop-first, then start-first); kill -9 and
 * SIGSTOP of a worker running a secret-using service; kill -9 of the leader and of a follower while
 * the data key rotates under writes, and of the leader in the middle of a root CA rotation; the
 * whole cluster stopped and started again.
 * Cluster B (needs root and {@code ip netns}; otherwise skipped, saying why): a worker with
 * {@code --fence-after 1s} in its own network namespace cut off, then the leader manager of 3 cut
 * off.
 *
 * <p>What "runs twice" means: two different task ids of one slot with live processes at the same
 * instant. Stop-first allows 1, start-first 2 (old and new of a slot overlap until the old stops).
 * A crashed or frozen worker's processes keep running while the managers move its tasks (no agent
 * is left to stop them; Swarm behaves the same), so there the check is that the restarted or
 * resumed worker stops them; a partitioned worker with {@code --fence-after} must never overlap.
 *
 * <p>Run from the repository root: {@code scripts/bench.sh faults}. Prints one line per trial and a
 * summary; exits 1 if any trial failed.
 */
public final class FaultBench {
  private static final Duration FREEZE = Duration.ofSeconds(3);
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(90);
  private static final int WRITES_PER_PHASE = 15;
  private static final Path SECRETS_ROOT = Path.of("/run/baton/secrets");
  private static final Random RANDOM = new Random();

  private final Baton baton;
  private final Path work;
  private final List<String> results = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final String marker = "FAULTMARK-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
  private int passed;
  private int failed;
  private FaultCluster cluster;
  private AckedWrites writes;
  private TaskProcesses.Sampler sampler;

  private FaultBench(Baton baton, Path work) {
    this.baton = baton;
    this.work = work;
  }

  public static void main(String[] args) {
    BenchMain.run(args, "scripts/bench.sh faults", "(kill -9, SIGSTOP/SIGCONT, restart and partition trials; --runs is ignored)",
        "baton-faults-", FaultBench::cleanUp, (baton, work, runs) -> new FaultBench(baton, work).runAll());
  }

  private void runAll() {
    long start = System.nanoTime();
    sampler = new TaskProcesses.Sampler(work);
    try {
      clusterA();
      clusterB();
    } finally {
      sampler.close();
    }
    System.out.println();
    System.out.printf("baton fault trials: %d run, %d passed, %d failed (%d s)%n", passed + failed, passed, failed,
        (System.nanoTime() - start) / 1_000_000_000L);
    results.forEach(r -> System.out.println("  " + r));
    if (!notes.isEmpty()) {
      System.out.println("notes:");
      notes.forEach(n -> System.out.println("  " + n));
    }
    if (failed > 0) {
      throw new BenchException(failed + " fault trial(s) failed");
    }
  }

  /** Runs one trial; a failure is recorded and the next trial still runs. */
  private void trial(String name, Runnable body) {
    long start = System.nanoTime();
    progress("trial: %s", name);
    try {
      body.run();
      passed++;
      results.add(String.format("ok    %-58s %5d ms", name, (System.nanoTime() - start) / 1_000_000));
    } catch (RuntimeException e) {
      failed++;
      results.add(String.format("FAIL  %-58s %5d ms: %s", name, (System.nanoTime() - start) / 1_000_000,
          e.getMessage().lines().findFirst().orElse("")));
      System.err.println("faults: " + name + " FAILED: " + e.getMessage());
    }
  }

  // ------------------------------------------------------------------ cluster A

  private void clusterA() {
    cluster = FaultCluster.start(baton, work, "a", "127.0.0.1", List.of(Placement.HOST, Placement.HOST, Placement.HOST),
        List.of(Placement.HOST, Placement.HOST));
    try {
      writes = new AckedWrites("w", 3, cluster::controlNoDeadline, i -> cluster.managers.get(i).up(), Duration.ofSeconds(3));
      for (boolean leader : new boolean[] {true, false}) {
        String who = leader ? "leader" : "follower";
        trial("kill -9 " + who + " under writes", () -> underWrites(leader, kill()));
        trial("SIGSTOP " + who + " " + FREEZE.toSeconds() + " s under writes", () -> underWrites(leader, freeze()));
      }
      trial("kill -9 leader during a stop-first rolling update",
          () -> rollingUpdate("roll-stop", UpdateOrder.UPDATE_ORDER_STOP_FIRST, kill()));
      trial("SIGSTOP leader during a start-first rolling update",
          () -> rollingUpdate("roll-start", UpdateOrder.UPDATE_ORDER_START_FIRST, freeze()));
      trial("kill -9 worker running secret tasks, then restart", () -> {
        createSecretService();
        workerFault(cluster.workers.get(0), true);
      });
      trial("SIGSTOP worker running secret tasks past the grace, SIGCONT", () -> workerFault(cluster.workers.get(1), false));
      trial("kill -9 leader while it rotates the data key under writes", () -> dataKeyRotation(true));
      trial("kill -9 follower while the data key rotates under writes", () -> dataKeyRotation(false));
      trial("kill -9 leader in the middle of a root CA rotation", this::rootRotation);
      trial("whole cluster stopped and started again", this::wholeRestart);
      trial("no secret in any state dir or log of cluster A", this::noSecretOnDisk);
    } finally {
      cluster.close();
    }
    trial("no tmpfs of cluster A left under " + SECRETS_ROOT + " after a clean stop", this::noMountsLeft);
  }

  /** A process fault: how it is done to a member, and how it is undone. */
  private record Fault(Consumer<Member> inject, Consumer<Member> recover) {}

  private Fault kill() {
    return new Fault(cluster::kill, cluster::restart);
  }

  /** SIGSTOP, then SIGCONT no sooner than {@link #FREEZE} later (well past the election timeout). */
  private Fault freeze() {
    long[] at = new long[1];
    return new Fault(m -> {
      cluster.sigstop(m);
      at[0] = System.nanoTime();
    }, m -> {
      sleep(Duration.ofNanos(Math.max(0, at[0] + FREEZE.toNanos() - System.nanoTime())));
      cluster.sigcont(m);
    });
  }

  /** The fault hits the leader or a follower while writes go on; writes must be accepted meanwhile. */
  private void underWrites(boolean leader, Fault fault) {
    writes.startBackground(WRITE_TIMEOUT);
    try {
      writes.awaitMore(writes.acknowledged(), WRITES_PER_PHASE, WRITE_TIMEOUT);
      Member victim = leader ? cluster.awaitLeader(Member::up) : follower();
      fault.inject().accept(victim);
      writes.awaitMore(writes.acknowledged(), WRITES_PER_PHASE, WRITE_TIMEOUT);
      fault.recover().accept(victim);
      cluster.awaitHealthy();
      writes.awaitMore(writes.acknowledged(), WRITES_PER_PHASE, WRITE_TIMEOUT);
    } finally {
      writes.stopBackground();
    }
    verifyWrites(writes, Member::up);
  }

  /**
   * Every manager {@code reachable} accepts must show every acknowledged write exactly once. A
   * manager answers such reads only once its copy of the store has caught up with the leader's
   * commit index, so one that was just frozen or restarted refuses them a moment: it gets {@link
   * FaultCluster#CONVERGE}.
   */
  private void verifyWrites(AckedWrites acked, Predicate<Member> reachable) {
    for (Member m : cluster.managers) {
      if (!reachable.test(m)) {
        continue;
      }
      String[] last = {""};
      long start = System.nanoTime();
      try {
        FaultCluster.await(m + " showing every acknowledged write", () -> {
          try {
            acked.verify(cluster.control(m).listServices(ListServicesRequest.getDefaultInstance())
                .getServicesList().stream().map(s -> s.getService().getSpec().getName()).toList());
            return true;
          } catch (BenchException | StatusRuntimeException e) {
            last[0] = e.getMessage();
            return false;
          }
        }, FaultCluster.CONVERGE);
      } catch (BenchException e) {
        throw new BenchException(e.getMessage() + ": " + last[0] + "; " + storesSeen());
      }
      long lagMs = (System.nanoTime() - start) / 1_000_000;
      if (lagMs > 1_000) {
        note(m + " answered reads with every acknowledged write only after " + lagMs + " ms (restarting or catching up)");
      }
    }
  }

  /** How many services each reachable manager's store holds, for failure messages. */
  private String storesSeen() {
    StringBuilder sb = new StringBuilder("services per manager:");
    for (Member m : cluster.managers) {
      try {
        sb.append(' ').append(m.name).append('=').append(cluster.control(m)
            .listServices(ListServicesRequest.getDefaultInstance()).getServicesCount());
      } catch (StatusRuntimeException e) {
        sb.append(' ').append(m.name).append("=?");
      }
    }
    return sb.toString();
  }

  private Member follower() {
    Member leader = cluster.awaitLeader(Member::up);
    return cluster.managers.stream().filter(m -> m != leader).findFirst().orElseThrow();
  }

  private void rollingUpdate(String name, UpdateOrder order, Fault fault) {
    int replicas = 4;
    ServiceSpec.Builder spec = sleeper(name, replicas);
    spec.getUpdateBuilder().setParallelism(1).setOrder(order).setMonitorMs(500);
    create(spec.build());
    awaitConverged(name, replicas, 0);
    sampler.reset(name);
    Service before = service(name);
    ServiceSpec.Builder next = before.getSpec().toBuilder();
    next.getTaskBuilder().getContainerBuilder().addEnv("ROLL=1");
    cluster.query(c -> c.updateService(UpdateServiceRequest.newBuilder().setService(name).setSpec(next)
        .setSpecVersion(before.getSpecVersion()).build())).orElseThrow(() -> new BenchException("update of " + name + " refused"));
    long newVersion = before.getSpecVersion() + 1;
    FaultCluster.await("a first task of the new spec running", () -> FaultCluster.running(cluster.tasks(name)).stream()
        .anyMatch(t -> t.getSpecVersion() >= newVersion), FaultCluster.CONVERGE);
    Member leader = cluster.awaitLeader(Member::up);
    fault.inject().accept(leader);
    cluster.awaitLeader(m -> m.up() && m != leader);
    fault.recover().accept(leader);
    cluster.awaitHealthy();
    FaultCluster.await("update of " + name + " completed", () -> {
      Service s = service(name);
      if (s.getUpdateStatus().getState() == UpdateState.UPDATE_STATE_PAUSED
          || s.getUpdateStatus().getState().getNumber() >= UpdateState.UPDATE_STATE_ROLLBACK_STARTED_VALUE) {
        throw new BenchException("update of " + name + " ended " + s.getUpdateStatus().getState() + ": "
            + s.getUpdateStatus().getMessage());
      }
      return s.getUpdateStatus().getState() == UpdateState.UPDATE_STATE_COMPLETED;
    }, FaultCluster.CONVERGE);
    awaitConverged(name, replicas, newVersion);
    int allowed = order == UpdateOrder.UPDATE_ORDER_START_FIRST ? 2 : 1;
    if (sampler.maxPerSlot(name) > allowed) {
      throw new BenchException(name + ": " + sampler.maxPerSlot(name) + " tasks of one slot alive at once (" + order
          + " allows " + allowed + "): " + sampler.worst(name));
    }
    note(name + ": at most " + sampler.maxPerSlot(name) + " live task(s) per slot during the update (" + order + ")");
  }

  private void createSecretService() {
    cluster.query(c -> c.createSecret(CreateSecretRequest.newBuilder().setSpec(SecretSpec.newBuilder().setName("fault_secret"))
        .setData(ByteString.copyFrom(marker, StandardCharsets.UTF_8)).build()))
        .orElseThrow(() -> new BenchException("secret create refused"));
    ServiceSpec.Builder spec = sleeper("sec", 2);
    spec.getTaskBuilder().getContainerBuilder().addSecrets(SecretReference.newBuilder().setSecretName("fault_secret"));
    create(spec.build());
    awaitConverged("sec", 2, 0);
  }

  /**
   * A worker running tasks of the secret service is killed (then restarted) or frozen past the
   * down grace (then resumed): the tasks move, and afterwards each slot runs once, only nodes
   * running a task of it hold the secret in their tmpfs, and the worker's mount is still a clean tmpfs.
   */
  private void workerFault(Member victim, boolean kill) {
    makeRunOn("sec", victim);
    sampler.reset("sec");
    if (kill) {
      cluster.kill(victim);
    } else {
      cluster.sigstop(victim);
    }
    cluster.awaitNodeState(victim, NodeState.NODE_STATE_DOWN, Member::up);
    FaultCluster.await("sec's 2 tasks running elsewhere", () -> {
      List<Task> running = FaultCluster.running(cluster.tasks("sec"));
      return running.size() == 2 && running.stream().noneMatch(t -> t.getNodeId().equals(victim.id));
    }, FaultCluster.CONVERGE);
    if (kill) {
      Path mount = SECRETS_ROOT.resolve(victim.id);
      if (!filesContaining(mount, marker).isEmpty()) {
        note("gap: a killed, not yet restarted worker keeps its tasks' secrets in its tmpfs " + mount
            + " (and its task processes run on) until its agent starts again");
      }
      cluster.restart(victim);
    } else {
      cluster.sigcont(victim);
    }
    cluster.awaitHealthy();
    awaitConverged("sec", 2, 0);
    FaultCluster.await("the secret only in the tmpfs of nodes running a task that uses it", () -> {
      Set<String> running = FaultCluster.running(cluster.tasks("sec")).stream().map(Task::getNodeId).collect(Collectors.toSet());
      return cluster.workers.stream().allMatch(w -> running.contains(w.id)
          || filesContaining(SECRETS_ROOT.resolve(w.id), marker).isEmpty());
    }, FaultCluster.CONVERGE);
    note("sec after " + (kill ? "kill -9" : "SIGSTOP") + " of " + victim + ": at most " + sampler.maxPerSlot("sec")
        + " live tasks per slot meanwhile (the " + (kill ? "dead" : "frozen") + " worker's copies until it came back)");
  }

  /** Drains the other workers until a task of {@code service} runs on {@code target}, then reactivates them. */
  private void makeRunOn(String service, Member target) {
    if (FaultCluster.running(cluster.tasks(service)).stream().anyMatch(t -> t.getNodeId().equals(target.id))) {
      return;
    }
    List<Member> others = cluster.workers.stream().filter(w -> w != target).toList();
    others.forEach(w -> availability(w, Availability.AVAILABILITY_DRAIN));
    awaitConverged(service, (int) replicas(service), 0);
    others.forEach(w -> availability(w, Availability.AVAILABILITY_ACTIVE));
  }

  private void availability(Member node, Availability availability) {
    cluster.query(c -> c.updateNode(UpdateNodeRequest.newBuilder().setNode(node.id).setAvailability(availability).build()))
        .orElseThrow(() -> new BenchException("node update of " + node + " refused"));
  }

  /**
   * {@code cluster update --rotate-data-key} while writes go on, and the leader (or a follower)
   * killed 0–40 ms after the request left: the moment it applies the new key and starts writing
   * records under it. Afterwards the restarted manager reads its store (its ring was persisted
   * before any record under the new key), every manager holds the same ring, an acknowledged
   * rotation is not lost, no acknowledged write is lost, and the next rotation works. The whole
   * restart that follows reopens every manager's store from disk.
   */
  private void dataKeyRotation(boolean leader) {
    int keysBefore = cluster.awaitSameCluster(i -> true).getDataKeyCount();
    writes.startBackground(WRITE_TIMEOUT);
    boolean acknowledged;
    try {
      writes.awaitMore(writes.acknowledged(), WRITES_PER_PHASE, WRITE_TIMEOUT);
      Member target = cluster.awaitLeader(Member::up);
      Member victim = leader ? target : follower();
      int delayMs = RANDOM.nextInt(41);
      CompletableFuture<Boolean> rotation = CompletableFuture.supplyAsync(() -> {
        try {
          cluster.control(target).updateCluster(UpdateClusterRequest.newBuilder().setRotateDataKey(true).build());
          return true;
        } catch (StatusRuntimeException e) {
          return false;
        }
      });
      sleep(Duration.ofMillis(delayMs));
      cluster.kill(victim);
      acknowledged = rotation.join();
      note("data-key rotation: " + victim + " killed " + delayMs + " ms after the request, which was "
          + (acknowledged ? "acknowledged" : "not acknowledged"));
      writes.awaitMore(writes.acknowledged(), WRITES_PER_PHASE, WRITE_TIMEOUT);
      cluster.restart(victim);
      cluster.awaitHealthy();
      writes.awaitMore(writes.acknowledged(), WRITES_PER_PHASE, WRITE_TIMEOUT);
    } finally {
      writes.stopBackground();
    }
    verifyWrites(writes, Member::up);
    int keysAfter = cluster.awaitSameCluster(i -> i.getDataKeyCount() >= keysBefore).getDataKeyCount();
    if (acknowledged && keysAfter != keysBefore + 1 || keysAfter > keysBefore + 1) {
      throw new BenchException("data keys: " + keysBefore + " before, " + keysAfter + " after a rotation that was "
          + (acknowledged ? "" : "not ") + "acknowledged");
    }
    cluster.query(c -> c.updateCluster(UpdateClusterRequest.newBuilder().setRotateDataKey(true).build()))
        .orElseThrow(() -> new BenchException("the next data-key rotation was refused"));
    cluster.awaitSameCluster(i -> i.getDataKeyCount() == keysAfter + 1);
  }

  /**
   * {@code ca --rotate} with the leader killed once a random number (1 to all but one) of the nodes hold a
   * certificate of the new root, then restarted: the next leader finishes the rotation (the
   * killed one renews when it is back), the cluster trusts only the new root, and no task moved or
   * restarted on the way. The harness's own client certificate is the first manager's, so it is
   * read again from that manager's state dir once the old root is no longer trusted.
   */
  private void rootRotation() {
    Set<String> tasksBefore = runningTaskIds();
    ClusterInfo before = cluster.awaitSameCluster(i -> true);
    cluster.query(c -> c.updateCluster(UpdateClusterRequest.newBuilder().setRotateRootCa(true).build()))
        .orElseThrow(() -> new BenchException("ca --rotate refused"));
    int total = cluster.all().size();
    int killAt = 1 + RANDOM.nextInt(total - 1); // before the last node moves: the rotation is still open
    RootRotationProgress seen = FaultCluster.await(killAt + " of " + total + " nodes on the new root",
        () -> cluster.query(c -> c.getCluster(GetClusterRequest.getDefaultInstance()))
            .filter(i -> !i.getRootCaDigest().equals(before.getRootCaDigest()) || i.getRootRotation().getNodesDone() >= killAt)
            .map(ClusterInfo::getRootRotation), FaultCluster.CONVERGE);
    Member leader = cluster.awaitLeader(Member::up);
    cluster.kill(leader);
    note("root rotation: leader " + leader + " killed with " + seen.getNodesDone() + " of " + seen.getNodesTotal()
        + " nodes moved" + (seen.getNodesTotal() == 0 ? " (the rotation had already finished)" : ""));
    cluster.awaitLeader(m -> m.up() && m != leader);
    cluster.restart(leader);
    FaultCluster.await("the rotation finished: one new root trusted", () -> {
      try {
        ClusterInfo now = cluster.control(cluster.managers.get(0)).getCluster(GetClusterRequest.getDefaultInstance());
        return !now.hasRootRotation() && !now.getRootCaDigest().equals(before.getRootCaDigest());
      } catch (StatusRuntimeException e) {
        cluster.reloadCredentials(); // the old root (and the harness's certificate of it) is no longer trusted
        return false;
      }
    }, FaultCluster.CONVERGE);
    // A connection opened before the finish keeps working; a new one needs a certificate of the new root.
    cluster.reloadCredentials();
    cluster.awaitHealthy();
    Set<String> tasksAfter = runningTaskIds();
    if (!tasksAfter.equals(tasksBefore)) {
      throw new BenchException("tasks changed across the root rotation: " + tasksBefore.size() + " running before, "
          + tasksAfter.size() + " after, " + tasksAfter.stream().filter(t -> !tasksBefore.contains(t)).count() + " new");
    }
  }

  private Set<String> runningTaskIds() {
    return Stream.of("sec", "roll-stop", "roll-start").flatMap(s -> FaultCluster.running(cluster.tasks(s)).stream())
        .map(Task::getId).collect(Collectors.toSet());
  }

  private void wholeRestart() {
    List<String> before = cluster.serviceNames(Member::up);
    // as an operator would: the workers first, then the managers, each stopped cleanly
    for (Member w : cluster.workers) {
      cluster.terminate(w);
    }
    for (Member m : cluster.managers.reversed()) {
      cluster.terminate(m);
    }
    TaskProcesses.stopAll(work); // none should be left: a clean stop stops the tasks
    List<TaskProcesses.TaskProcess> left = TaskProcesses.scan(work);
    if (!left.isEmpty()) {
      throw new BenchException(left.size() + " task processes outlived a clean stop of their nodes: " + left);
    }
    noMountsLeft();
    for (Member m : cluster.all()) {
      cluster.restart(m);
    }
    cluster.awaitHealthy();
    List<String> after = cluster.serviceNames(Member::up);
    if (!after.containsAll(before) || after.size() != before.size()) {
      throw new BenchException("the services changed across the restart: " + before.size() + " before, " + after.size() + " after");
    }
    verifyWrites(writes, Member::up);
    awaitConverged("sec", 2, 0);
    awaitConverged("roll-stop", 4, 0);
    awaitConverged("roll-start", 4, 0);
  }

  private void noSecretOnDisk() {
    List<Path> hits = filesContaining(work, marker);
    if (!hits.isEmpty()) {
      throw new BenchException("the secret's bytes are on disk in " + hits);
    }
  }

  /** Fails if a tmpfs of one of this run's nodes is still mounted under {@link #SECRETS_ROOT}. */
  private void noMountsLeft() {
    List<String> mounted = ourMounts(work);
    if (!mounted.isEmpty()) {
      throw new BenchException("tmpfs mounts left after the nodes stopped: " + mounted);
    }
  }

  // ------------------------------------------------------------------ cluster B: partitions

  private void clusterB() {
    Optional<String> why = Netns.unavailable();
    if (why.isPresent()) {
      String reason = "SKIPPED partition trials: " + why.get();
      results.add(reason);
      progress("%s", reason);
      return;
    }
    try (Netns workerNs = Netns.create(1); Netns managerNs = Netns.create(2)) {
      cluster = FaultCluster.start(baton, work, "b", Netns.HOST_ADDRESS,
          List.of(new Placement(Optional.of(managerNs), List.of()), Placement.HOST, Placement.HOST),
          List.of(new Placement(Optional.of(workerNs), List.of("--fence-after", "1s")), Placement.HOST));
      try {
        trial("worker (--fence-after 1s) cut off by a partition, healed",
            () -> workerPartition(workerNs, cluster.workers.get(0)));
        trial("leader manager of 3 cut off by a partition, healed", () -> managerPartition(managerNs, cluster.managers.get(0)));
      } finally {
        cluster.close();
      }
    }
  }

  private void workerPartition(Netns ns, Member victim) {
    String name = "single";
    ServiceSpec.Builder spec = sleeper(name, 1);
    create(spec.build());
    awaitConverged(name, 1, 0);
    makeRunOn(name, victim);
    sampler.reset(name);
    ns.cut();
    progress("%s cut off at %s", victim, LocalTime.now());
    try {
      cluster.awaitNodeState(victim, NodeState.NODE_STATE_DOWN, Member::up);
      FaultCluster.await("single's task running on the other worker", () -> FaultCluster.running(cluster.tasks(name)).stream()
          .anyMatch(t -> !t.getNodeId().equals(victim.id)), FaultCluster.CONVERGE);
      FaultCluster.await("the partitioned worker's copy stopped (fencing)", () -> TaskProcesses.scan(work).stream()
          .noneMatch(p -> p.service().equals(name) && p.node().equals(victim.name)), FaultCluster.CONVERGE);
    } finally {
      ns.heal();
    }
    cluster.awaitHealthy();
    awaitConverged(name, 1, 0);
    if (sampler.maxPerSlot(name) > 1) {
      throw new BenchException("the singleton ran twice across the partition: " + sampler.worst(name));
    }
  }

  private void managerPartition(Netns ns, Member isolated) {
    Member leader = cluster.awaitLeader(Member::up);
    if (leader != isolated) {
      note("the partitioned manager " + isolated + " was a follower (leader: " + leader + ")");
    }
    Predicate<Member> majority = m -> m.up() && m != isolated;
    writes = new AckedWrites("p", 3, cluster::controlNoDeadline, i -> majority.test(cluster.managers.get(i)), Duration.ofSeconds(3));
    ns.cut();
    Baton.Result isolatedWrite;
    try {
      Member newLeader = cluster.awaitLeader(majority);
      writes.startBackground(WRITE_TIMEOUT);
      try {
        writes.awaitMore(0, WRITES_PER_PHASE, WRITE_TIMEOUT);
      } finally {
        writes.stopBackground();
      }
      isolatedWrite = cluster.cli(isolated, Duration.ofSeconds(60), "service", "create", "--detach", "--name", "isolated-write",
          "busybox", "true");
      if (isolatedWrite.exitCode() == 0) {
        throw new BenchException("the isolated manager acknowledged a write during the partition");
      }
      note("partition: majority elected " + newLeader + "; a write through the isolated " + isolated + " was refused: "
          + isolatedWrite.stderr().strip().lines().reduce((a, b) -> b).orElse(""));
    } finally {
      ns.heal();
    }
    cluster.awaitHealthy();
    verifyWrites(writes, Member::up);
    List<String> names = cluster.serviceNames(Member::up);
    if (names.contains("isolated-write")) {
      note("a write refused by the isolated manager was applied after the heal (it was never acknowledged)");
    }
  }

  // ------------------------------------------------------------------ services

  private static ServiceSpec.Builder sleeper(String name, int replicas) {
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName(name).setReplicated(ReplicatedService.newBuilder().setReplicas(replicas));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addCommand("sleep").addCommand("600")
        .setStopGracePeriodMs(2_000);
    spec.getTaskBuilder().getPlacementBuilder().addConstraints("node.role==worker");
    return spec;
  }

  private void create(ServiceSpec spec) {
    cluster.query(c -> c.createService(CreateServiceRequest.newBuilder().setSpec(spec).build()))
        .orElseThrow(() -> new BenchException("service create " + spec.getName() + " refused"));
  }

  private Service service(String name) {
    return FaultCluster.await("service " + name, () -> cluster.query(c -> c.getService(GetServiceRequest.newBuilder()
        .setService(name).build()).getService()), FaultCluster.NODE_TIMEOUT);
  }

  private long replicas(String name) {
    return service(name).getSpec().getReplicated().getReplicas();
  }

  /**
   * Waits until {@code replicas} tasks of at least {@code minVersion} run in the store, and the OS
   * shows exactly those task ids alive, one per slot.
   */
  private void awaitConverged(String name, int replicas, long minVersion) {
    String[] last = {""};
    try {
      FaultCluster.await(name + " converged", () -> {
        List<Task> running = FaultCluster.running(cluster.tasks(name));
        Set<String> ids = running.stream().filter(t -> t.getSpecVersion() >= minVersion).map(Task::getId).collect(Collectors.toSet());
        Map<Long, Set<String>> live = TaskProcesses.bySlot(TaskProcesses.scan(work), name);
        Set<String> liveIds = live.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
        List<Task> all = cluster.tasks(name);
        last[0] = ids.size() + " running in the store, live processes per slot " + live + ", task states "
            + all.stream().filter(t -> t.getDesiredState() == TaskState.TASK_STATE_RUNNING)
                .map(t -> t.getStatus().getState() + "/" + t.getStatus().getMessage()).toList();
        return running.size() == replicas && ids.size() == replicas && liveIds.equals(ids) && live.size() == replicas;
      }, FaultCluster.CONVERGE);
    } catch (BenchException e) {
      throw new BenchException(e.getMessage() + " (last: " + last[0] + ")");
    }
  }

  // ------------------------------------------------------------------ secrets and mounts

  private static List<Path> filesContaining(Path root, String marker) {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
    List<Path> hits = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.filter(f -> Files.isRegularFile(f) && !f.toString().endsWith(".sock")).toList()) {
        try {
          if (indexOf(Files.readAllBytes(p), needle) >= 0) {
            hits.add(p);
          }
        } catch (IOException e) {
          // removed meanwhile
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // the tree changed while walked; what was read is reported
    }
    return hits;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Mount points under {@link #SECRETS_ROOT} named by a node id of a state dir under {@code work}. */
  private static List<String> ourMounts(Path work) {
    Set<String> ids = nodeIds(work);
    try {
      return Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" ")[1])
          .filter(p -> p.startsWith(SECRETS_ROOT + "/") && ids.contains(Path.of(p).getFileName().toString())).toList();
    } catch (IOException e) {
      throw new BenchException("cannot read /proc/self/mounts: " + e.getMessage());
    }
  }

  private static Set<String> nodeIds(Path work) {
    try (Stream<Path> dirs = Files.list(work)) {
      return dirs.filter(d -> Files.isRegularFile(d.resolve("node.json"))).map(StateDirs::nodeId).collect(Collectors.toSet());
    } catch (IOException e) {
      return Set.of();
    }
  }

  /**
   * At exit: stops task processes killed nodes left, and unmounts the tmpfs a killed node left
   * under {@link #SECRETS_ROOT} (a killed agent never restarted cannot).
   */
  private static void cleanUp(Path work) {
    TaskProcesses.stopAll(work);
    for (String mount : ourMounts(work)) {
      System.err.println("faults: unmounting " + mount + ", left by a killed node");
      try {
        new ProcessBuilder("umount", mount).inheritIO().start().waitFor();
        Files.deleteIfExists(Path.of(mount));
      } catch (IOException e) {
        System.err.println("faults: cannot unmount " + mount + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void note(String note) {
    notes.add(note);
    progress("note: %s", note);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }

  private static void progress(String format, Object... args) {
    System.err.printf("faults: " + format + "%n", args);
  }
}
