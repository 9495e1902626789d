package io.baton.it;

import static org.awaitility.Awaitility.await;

import io.baton.api.Node;
import io.baton.api.NodeState;
import io.baton.ca.ClusterTrustManager;
import io.baton.ca.Credentials;
import io.baton.ca.ManagerChannels;
import io.baton.ca.NodeKeyManager;
import io.baton.node.BatonNode;
import io.baton.node.InitOptions;
import io.baton.node.JoinOptions;
import io.baton.node.NodeException;
import io.baton.node.NodeSettings;
import io.baton.store.ClusterStore;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * An in-process cluster on loopback: one or more managers and any number of workers, each a real
 * {@link BatonNode} with its own state dir, real certificates, real mutual TLS and the real Raft
 * store. Timings (heartbeats, certificate validity) can be shortened for tests.
 */
public final class TestCluster implements AutoCloseable {
  private final Path root;
  private final Duration heartbeat;
  private final Duration certExpiry;
  private final String executor;
  private final List<BatonNode> nodes = new ArrayList<>();
  private final List<ManagerChannels> clients = new ArrayList<>();
  private BatonNode manager;
  private int managerPort;
  private int workerCount;
  private int managerCount = 1;

  private final boolean autolock;
  /** The CFSSL that signs this cluster's certificates ({@code init --external-ca}), or null. */
  private InitOptions.ExternalCa externalCa;
  private final Advertiser advertiser;
  private String managerAddress;

  /**
   * Where the nodes reach a manager that listens on {@code 127.0.0.1:port} (and {@code port + 1} for
   * Raft): its advertise address. The default is the listen address itself; a test may put a relay
   * in between (e.g. {@code 127.0.0.2:port}, which other nodes then use for both ports).
   */
  @FunctionalInterface
  public interface Advertiser {
    String advertise(int port) throws IOException;
  }

  private static final Advertiser DIRECT = port -> "127.0.0.1:" + port;

  private TestCluster(Duration heartbeat, Duration certExpiry, String executor, boolean autolock,
      Advertiser advertiser) {
    this.advertiser = advertiser;
    this.heartbeat = heartbeat;
    this.certExpiry = certExpiry;
    this.executor = executor;
    this.autolock = autolock;
    try {
      this.root = Files.createTempDirectory("baton-it-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static TestCluster start(int workers) throws NodeException {
    return start(workers, Duration.ofMillis(500), Duration.ofHours(24));
  }

  public static TestCluster start(int workers, Duration heartbeat, Duration certExpiry) throws NodeException {
    return start(workers, heartbeat, certExpiry, "process");
  }

  /** A cluster created with {@code init --autolock}. */
  public static TestCluster startAutolocked(int workers) throws NodeException {
    return start(workers, Duration.ofMillis(500), Duration.ofHours(24), "process", true, DIRECT);
  }

  /** A cluster created with {@code init --external-ca}: {@code externalCa} signs every certificate. */
  static TestCluster startWithExternalCa(int workers, InitOptions.ExternalCa externalCa) throws NodeException {
    TestCluster cluster = new TestCluster(Duration.ofMillis(500), Duration.ofHours(24), "process", false, DIRECT);
    cluster.externalCa = externalCa;
    return cluster.populate(workers);
  }

  /** A cluster whose nodes all run tasks with {@code executor} ({@code process} or {@code docker}). */
  public static TestCluster start(int workers, Duration heartbeat, Duration certExpiry, String executor)
      throws NodeException {
    return start(workers, heartbeat, certExpiry, executor, false, DIRECT);
  }

  /** A cluster whose managers are advertised (and so reached by every other node) as {@code advertiser} says. */
  public static TestCluster startAdvertised(int workers, Advertiser advertiser) throws NodeException {
    return startAdvertised(workers, Duration.ofMillis(500), advertiser);
  }

  /** As {@link #startAdvertised(int, Advertiser)}, with another heartbeat period. */
  public static TestCluster startAdvertised(int workers, Duration heartbeat, Advertiser advertiser)
      throws NodeException {
    return start(workers, heartbeat, Duration.ofHours(24), "process", false, advertiser);
  }

  private static TestCluster start(int workers, Duration heartbeat, Duration certExpiry, String executor,
      boolean autolock, Advertiser advertiser) throws NodeException {
    return new TestCluster(heartbeat, certExpiry, executor, autolock, advertiser).populate(workers);
  }

  private TestCluster populate(int workers) throws NodeException {
    try {
      startManager();
      for (int i = 0; i < workers; i++) {
        addWorker();
      }
      return this;
    } catch (NodeException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Each in-process node's secrets tmpfs, under one directory per test JVM; named by hostname so a
   * node restarted from its state dir finds its own (and must empty it).
   */
  static final Path SECRETS_ROOTS = Path.of("/tmp", "baton-it-secrets-" + ProcessHandle.current().pid());

  public static NodeSettings settings(String hostname) {
    return NodeSettings.defaults().withHostname(hostname).withSecretsRoot(SECRETS_ROOTS.resolve(hostname));
  }

  private void startManager() throws NodeException {
    managerPort = Ports.freePair();
    String addr = "127.0.0.1:" + managerPort;
    managerAddress = advertised(managerPort);
    manager = BatonNode.init(new InitOptions(root.resolve("manager"), addr, managerAddress, null, certExpiry, heartbeat,
        executor, Map.of(), autolock, externalCa, false), settings("manager"));
    nodes.add(manager);
  }

  /** Joins a new worker and waits until the manager sees it ready. */
  public BatonNode addWorker() throws NodeException {
    return addWorker(null);
  }

  /** Joins a new worker that fences itself after {@code fenceAfter} without a manager (null: never). */
  public BatonNode addWorker(Duration fenceAfter) throws NodeException {
    String name = "worker" + (++workerCount);
    return joinWorker(root.resolve(name), name, workerToken(), fenceAfter);
  }

  /** Joins a worker with state dir {@code stateDir} and {@code token}, waiting until it is ready. */
  public BatonNode joinWorker(Path stateDir, String hostname, String token, Duration fenceAfter) throws NodeException {
    BatonNode worker = BatonNode.join(new JoinOptions(stateDir, token, managerAddress(),
        "127.0.0.1:0", "127.0.0.1:0", executor, fenceAfter), settings(hostname));
    nodes.add(worker);
    awaitState(worker.identity().nodeId(), NodeState.NODE_STATE_READY);
    return worker;
  }

  /**
   * Joins a new manager with the manager token through the first manager and waits until it is a
   * voting member of the Raft group.
   */
  public BatonNode addManager() throws NodeException {
    String name = "manager" + (++managerCount);
    int port = Ports.freePair();
    BatonNode added = BatonNode.join(new JoinOptions(root.resolve(name), managerToken(), managerAddress(),
        "127.0.0.1:" + port, advertised(port), executor, null), settings(name));
    nodes.add(added);
    String id = added.identity().nodeId();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> store().membership().members().stream().anyMatch(m -> m.id().equals(id)));
    return added;
  }

  /** The running nodes that run manager services. */
  public List<BatonNode> managers() {
    return nodes.stream().filter(n -> n.manager() != null).toList();
  }

  /** The running manager that leads the Raft group, waiting up to 15 s for one. */
  public BatonNode leader() {
    return await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
        .until(() -> managers().stream().filter(n -> n.manager().store().isLeader()).findFirst(),
            java.util.Optional::isPresent)
        .orElseThrow();
  }

  /** The address of a node's manager API. */
  public static String apiAddress(BatonNode node) {
    return "127.0.0.1:" + node.manager().port();
  }

  /** Stops a node as a crash would look to the others (no goodbye; the state dir stays). */
  public void stop(BatonNode node) {
    node.close();
    nodes.remove(node);
  }

  /** Restarts a stopped node from its state dir. */
  public BatonNode restart(Path stateDir, String hostname) throws NodeException {
    BatonNode node = BatonNode.start(stateDir, settings(hostname));
    nodes.add(node);
    if (stateDir.equals(root.resolve("manager"))) {
      manager = node;
    }
    return node;
  }

  /**
   * Restarts a stopped node from its state dir on another thread, for a node that blocks while it
   * starts (a locked manager waits for its unlock key); record it with {@link #adopt} once started.
   */
  public static CompletableFuture<BatonNode> startInBackground(Path stateDir, String hostname) {
    CompletableFuture<BatonNode> started = new CompletableFuture<>();
    Thread.ofPlatform().daemon().name("background-start-" + hostname).start(() -> {
      try {
        started.complete(BatonNode.start(stateDir, settings(hostname)));
      } catch (Exception e) {
        started.completeExceptionally(e);
      }
    });
    return started;
  }

  public BatonNode manager() {
    return manager;
  }

  /** Records a node started outside {@link #restart} (e.g. a locked manager started on another thread). */
  public void adopt(BatonNode node, Path stateDir) {
    nodes.add(node);
    if (stateDir.equals(root.resolve("manager"))) {
      manager = node;
    }
  }

  /** The running nodes other than the manager, in join order. */
  public List<BatonNode> workers() {
    return nodes.stream().filter(n -> n != manager).toList();
  }

  /** The store of the leader, or of the first manager while no leader is known. */
  public ClusterStore store() {
    return managers().stream().map(n -> n.manager().store()).filter(ClusterStore::isLeader).findFirst()
        .orElseGet(() -> manager.manager().store());
  }

  public Path root() {
    return root;
  }

  /** The first manager's address as the other nodes reach it. */
  public String managerAddress() {
    return managerAddress;
  }

  private String advertised(int port) {
    try {
      return advertiser.advertise(port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String workerToken() {
    return store().view().cluster().orElseThrow().getJoinTokens().getWorker();
  }

  public String managerToken() {
    return store().view().cluster().orElseThrow().getJoinTokens().getManager();
  }

  public Node node(String id) {
    return store().view().node(id).orElseThrow();
  }

  public void awaitState(String nodeId, NodeState state) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> store().view().node(nodeId).map(n -> n.getStatus().getState() == state).orElse(false));
  }

  /**
   * A channel to the manager authenticated with {@code credentials} (null: no client certificate),
   * trusting the cluster root like a real node.
   */
  public ManagedChannel channelAs(Credentials credentials) {
    return channelAs(credentials, managerAddress());
  }

  /** A channel to the manager at {@code address}, authenticated as in {@link #channelAs(Credentials)}. */
  public ManagedChannel channelAs(Credentials credentials, String address) {
    var trust = new ClusterTrustManager(
        manager.identity().clusterId(), manager.credentials().chain().subList(1, 2), Clock.systemUTC());
    ManagerChannels channels = new ManagerChannels(
        credentials == null ? null : new NodeKeyManager(credentials).keyManager(), trust);
    clients.add(channels);
    return channels.get(address);
  }

  @Override
  public void close() {
    clients.forEach(ManagerChannels::close);
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
    nodes.clear();
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
