package io.baton.node;

import io.baton.agent.Agent;
import io.baton.agent.CertificateRenewer;
import io.baton.agent.Fence;
import io.baton.agent.LogPublisher;
import io.baton.agent.RemovalWatch;
import io.baton.agent.StatusReporter;
import io.baton.agent.TrustUpdater;
import io.baton.agent.exec.Executor;
import io.baton.agent.exec.TaskManager;
import io.baton.api.DataKeysResponse;
import io.baton.api.GetDataKeysRequest;
import io.baton.api.JoinRaftRequest;
import io.baton.api.NodeCertificate;
import io.baton.api.NodeDescription;
import io.baton.api.RaftMembershipGrpc;
import io.baton.agent.secrets.SecretValues;
import io.baton.agent.secrets.TmpfsSecrets;
import io.baton.api.SessionMessage;
import io.baton.ca.CertificateIssuer;
import io.baton.ca.CfsslSigner;
import io.baton.ca.ClusterTrustManager;
import io.baton.ca.Credentials;
import io.baton.ca.CsrRejectedException;
import io.baton.ca.ExternalCaException;
import io.baton.ca.Identifiers;
import io.baton.ca.InvalidJoinTokenException;
import io.baton.ca.IssuedCertificate;
import io.baton.ca.JoinToken;
import io.baton.ca.LocalRootSigner;
import io.baton.ca.ManagerChannels;
import io.baton.ca.NodeCertificateSigner;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeyManager;
import io.baton.ca.NodeKeys;
import io.baton.ca.NodeRemoval;
import io.baton.ca.PendingApproval;
import io.baton.ca.RemoteCa;
import io.baton.ca.Role;
import io.baton.ca.RootCa;
import io.baton.ca.UnlockKey;
import io.baton.manager.ClusterBootstrap;
import io.baton.manager.Manager;
import io.baton.store.ClusterStore;
import io.baton.store.RatisClusterStore;
import io.baton.store.RaftPeerAdmission;
import io.baton.store.RaftTls;
import io.baton.store.StoreConfig;
import io.baton.store.StoreException;
import io.baton.store.encryption.DataKeys;
import io.baton.store.encryption.KeysDir;
import io.baton.store.encryption.KeysDir.Protection;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One baton node process: its state directory, identity and key material, and the components its
 * role runs. Every node runs an agent (session, heartbeats, certificate renewal) and a control
 * socket; a node with a Raft store also runs the manager services on its TCP listener.
 *
 * <p>Created by {@link #init}, {@link #join} or {@link #start}; {@link #close()} stops everything.
 */
public final class BatonNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BatonNode.class);
  /** How long a starting manager waits for its Raft store to elect itself and accept writes. */
  private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(60);
  /** How often a manager that awaits join approval asks again; acceptance is seen within this. */
  private static final Duration APPROVAL_RETRY = Duration.ofSeconds(1);
  /** How often a demoted manager still waiting to leave the Raft group says so. */
  private static final Duration REMOVAL_NOTE_EVERY = Duration.ofSeconds(30);
  /** A node asked to renew for a root rotation does so within this time, at random. */
  private static final Duration ROTATION_RENEWAL_SPREAD = Duration.ofSeconds(1);

  private final StateDir dir;
  private final NodeSettings settings;
  private final NodeKeyManager keys;
  private final ClusterTrustManager trust;
  private final TrustUpdater trustUpdater;
  private final SecureRandom random = new SecureRandom();
  private final ScheduledExecutorService scheduler;
  private final RemovalWatch removalWatch;
  private final CompletableFuture<String> removal = new CompletableFuture<>();
  private volatile NodeFile file;
  /** Set while a role change (promotion or demotion) is being carried out. */
  private final java.util.concurrent.atomic.AtomicBoolean roleChanging = new java.util.concurrent.atomic.AtomicBoolean();
  private ClusterStore store;
  /** A manager's keys under its KEK; null on a worker. */
  private ManagerKeys managerKeys;
  /** The unlock key {@link #init} created with autolock, shown once to the operator; else null. */
  private UnlockKey initialUnlockKey;
  private Manager manager;
  private ManagerChannels channels;
  private Agent agent;
  private CertificateRenewer renewer;
  private LocalControl local;
  private Executor executor;
  private TaskManager tasks;
  /** The secret values of this node's current assignment set, in memory only. */
  private final SecretValues secretValues = new SecretValues();
  private TmpfsSecrets secrets;
  private StatusReporter statuses;
  private Fence fence;
  private LogPublisher logs;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  private BatonNode(StateDir dir, NodeFile file, Credentials credentials, List<X509Certificate> roots, NodeSettings settings) {
    this.dir = dir;
    this.file = file;
    this.settings = settings;
    this.keys = new NodeKeyManager(credentials.presentedWith(roots));
    this.trust = new ClusterTrustManager(file.clusterId(), roots, settings.clock());
    this.trustUpdater = new TrustUpdater(trust, keys, dir::writeRootsAndChain, settings.clock());
    this.removalWatch = new RemovalWatch(() -> this.file.nodeId(), this::onRemoved);
    this.channels = new ManagerChannels(keys.keyManager(), trust, removalWatch);
    this.scheduler = Executors.newScheduledThreadPool(2, Thread.ofPlatform().name("baton-node-", 0).daemon().factory());
  }

  /** Creates a new cluster with this node as its first manager, and starts it. */
  public static BatonNode init(InitOptions options, NodeSettings settings) throws NodeException {
    StateDir dir = new StateDir(options.stateDir());
    refuseExisting(dir);
    InetSocketAddress listen = Addresses.parse("--listen-addr", options.listenAddr());
    InetSocketAddress advertise = options.advertiseAddr() == null
        ? listen : Addresses.parse("--advertise-addr", options.advertiseAddr());
    InetSocketAddress raft = options.raftAddr() == null
        ? InetSocketAddress.createUnresolved(listen.getHostString(), listen.getPort() + 1)
        : Addresses.parse("--raft-listen-addr", options.raftAddr());
    SecureRandom random = new SecureRandom();
    String clusterId = Identifiers.newId(random);
    String nodeId = Identifiers.newId(random);
    NodeCertificateSigner signer = options.externalCa() == null
        ? new LocalRootSigner(new CertificateIssuer(settings.clock(), random),
            RootCa.create(clusterId, settings.clock(), random))
        : connectExternalCa(options.externalCa(), settings);
    X509Certificate root = signer.root();
    KeyPair keyPair = NodeKeys.generate();
    IssuedCertificate cert;
    try {
      cert = signer.sign(NodeKeys.csrPem(keyPair), new NodeIdentity(nodeId, Role.MANAGER, clusterId),
          options.certExpiry());
    } catch (CsrRejectedException | ExternalCaException e) {
      throw new NodeException("cannot issue this node's certificate: " + e.getMessage(), e);
    }
    Credentials credentials = new Credentials(keyPair.getPrivate(), cert.chain());
    NodeFile nodeFile = new NodeFile(nodeId, "manager", clusterId, List.of(Addresses.format(advertise)),
        Addresses.format(listen), Addresses.format(advertise), Addresses.format(raft), options.executor(),
        options.labels(), 0);
    DataKeys dataKeys = DataKeys.first(random, settings.clock().millis());
    UnlockKey unlockKey = options.autolock() ? UnlockKey.generate(random) : null;
    BatonNode node = null;
    try {
      dir.create(true);
      dir.writeRoot(root);
      node = new BatonNode(dir, nodeFile, credentials, List.of(root), settings);
      node.managerKeys = ManagerKeys.create(dir, dataKeys,
          unlockKey == null ? new Protection.Stored() : new Protection.Autolock(unlockKey),
          node.keys::current, node::renewAfterLocking, random);
      node.initialUnlockKey = unlockKey;
      // Peers dial the advertised host at the Raft port, as for a manager that joins later.
      node.store = RatisClusterStore.bootstrap(node.storeConfig(), clusterId, node.managerKeys.codec(),
          Addresses.format(InetSocketAddress.createUnresolved(advertise.getHostString(), raft.getPort())));
      node.store.awaitLeader(LEADER_TIMEOUT);
      ClusterBootstrap.initialize(node.store, clusterId, signer,
          new ClusterBootstrap.Settings(options.certExpiry(), options.heartbeatPeriod(), dataKeys, unlockKey,
              options.joinApproval()),
          new ClusterBootstrap.FirstManager(nodeId, cert, Addresses.format(advertise), options.labels()),
          random);
      node.startServices();
      dir.writeNodeFile(nodeFile);
      log.info("initialized cluster {}; this node {} is its first manager", clusterId, nodeId);
      return node;
    } catch (IOException | StoreException | NodeException | RuntimeException e) {
      if (node != null) {
        node.close();
      }
      StateCleanup.removeFailedInit(dir);
      throw failure("cannot initialize the cluster", e);
    }
  }

  /**
   * The signer of a cluster whose certificates an operator's CFSSL signs: its root is the one the
   * operator gave, or else the one the CFSSL reports (then logged with its digest for checking).
   */
  private static CfsslSigner connectExternalCa(InitOptions.ExternalCa external, NodeSettings settings)
      throws NodeException {
    try {
      CfsslSigner signer = CfsslSigner.connect(external.endpoint(), external.root(), settings.clock());
      if (external.root() == null) {
        log.warn("took the root CA from {} without --external-ca-cert: check that its digest {} is your CFSSL's",
            external.endpoint(), io.baton.ca.CaDigest.of(signer.root()));
      }
      return signer;
    } catch (ExternalCaException | IllegalArgumentException e) {
      throw new NodeException("cannot initialize the cluster: " + e.getMessage(), e);
    }
  }

  /** Joins an existing cluster with a token and starts the node. */
  public static BatonNode join(JoinOptions options, NodeSettings settings) throws NodeException {
    JoinToken token;
    try {
      token = JoinToken.parse(options.token().strip());
    } catch (InvalidJoinTokenException e) {
      throw new NodeException("invalid join token: " + e.getMessage());
    }
    StateDir dir = new StateDir(options.stateDir());
    refuseExisting(dir);
    String managerAddr = Addresses.format(Addresses.parse("manager address", options.managerAddr()));
    RemoteCa.Joined joined;
    try {
      joined = RemoteCa.join(managerAddr, token, settings.clock());
    } catch (StatusRuntimeException e) {
      throw new NodeException("cannot join the cluster at " + managerAddr + ": " + describe(e));
    }
    NodeIdentity identity = joined.identity();
    boolean manager = identity.role() == Role.MANAGER;
    NodeFile nodeFile = new NodeFile(identity.nodeId(), roleName(identity.role()), identity.clusterId(),
        List.of(managerAddr), options.listenAddr(), options.advertiseAddr(),
        manager ? raftAddrFor(options.listenAddr()) : null, options.executor(), null,
        options.fenceAfter() == null ? 0 : options.fenceAfter().toMillis());
    try {
      dir.create(manager);
      dir.writeRoot(joined.root());
      dir.writeCredentials(joined.credentials());
      dir.writeNodeFile(nodeFile);
    } catch (IOException e) {
      throw new NodeException("cannot write the state directory " + dir.root() + ": " + e.getMessage(), e);
    }
    log.info("joined cluster {} as node {} ({})", identity.clusterId(), identity.nodeId(), identity.role().ou());
    if (joined.pending()) {
      log.warn("the cluster requires join approval: node {} does nothing until a manager runs 'baton node accept {}'",
          identity.nodeId(), identity.nodeId());
    }
    return startNode(dir, nodeFile, joined.credentials(), List.of(joined.root()), settings, null, manager);
  }

  /** Restarts a node from its state directory, with the executor it was created with. */
  public static BatonNode start(java.nio.file.Path stateDir, NodeSettings settings) throws NodeException {
    return start(stateDir, settings, null);
  }

  /**
   * Restarts a node from its state directory.
   *
   * @param executor {@code docker}, {@code process} or {@code auto} to replace the executor stored
   *     in {@code node.json} (kept for later starts), or null to keep it
   */
  public static BatonNode start(java.nio.file.Path stateDir, NodeSettings settings, String executor)
      throws NodeException {
    StateDir dir = new StateDir(stateDir);
    if (!dir.holdsNode()) {
      throw new NodeException("no node in " + dir.root() + "; create one with 'baton init' or 'baton join'");
    }
    try {
      NodeFile nodeFile = dir.readNodeFile();
      if (executor != null && !executor.equals(nodeFile.executor())) {
        nodeFile = nodeFile.withExecutor(executor);
        dir.writeNodeFile(nodeFile);
      }
      boolean stillJoining = stillJoiningRaft(dir);
      KeysDir.Opened opened = Files.isDirectory(dir.raftDir()) && !stillJoining ? openManagerKeys(dir) : null;
      Credentials credentials = dir.readCredentials(opened == null ? null : opened.contents().nodeKeyPassword());
      Instant notAfter = credentials.leaf().getNotAfter().toInstant();
      if (settings.clock().instant().isAfter(notAfter)) {
        throw new NodeException("the certificate of node " + nodeFile.nodeId() + " expired at " + notAfter
            + "; remove the node from the cluster and join again with a new token");
      }
      return startNode(dir, nodeFile, credentials, dir.readRoots(), settings, opened, stillJoining);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeException("interrupted while waiting for the unlock key");
    } catch (StoreException e) {
      throw new NodeException("cannot read this manager's keys: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new NodeException("cannot read the state directory " + dir.root() + ": " + e.getMessage(), e);
    }
  }

  /**
   * True for a manager that stopped before it got the store's keys (e.g. while it waited for join
   * approval): no keys and empty Raft storage, so it starts by asking for the keys again.
   */
  private static boolean stillJoiningRaft(StateDir dir) throws IOException {
    if (!Files.isDirectory(dir.raftDir()) || new KeysDir(dir.keysDir(), new SecureRandom()).exists()) {
      return false;
    }
    try (var entries = Files.list(dir.raftDir())) {
      return entries.findAny().isEmpty();
    }
  }

  /** The Raft address of a manager listening on {@code listenAddr}: the next port. */
  private static String raftAddrFor(String listenAddr) throws NodeException {
    InetSocketAddress listen = Addresses.parse("--listen-addr", listenAddr);
    return Addresses.format(InetSocketAddress.createUnresolved(listen.getHostString(), listen.getPort() + 1));
  }

  /**
   * The keys of a restarting manager: unwrapped with the stored KEK, or, under autolock, with the
   * unlock key the operator gives through {@code control.sock} (this waits for it).
   */
  private static KeysDir.Opened openManagerKeys(StateDir dir)
      throws NodeException, StoreException, IOException, InterruptedException {
    KeysDir keysDir = new KeysDir(dir.keysDir(), new SecureRandom());
    if (!keysDir.exists()) {
      throw new NodeException("the Raft storage in " + dir.raftDir() + " has no keys in " + dir.keysDir()
          + ": it predates encryption at rest or its keys were deleted, and cannot be read. Remove this manager"
          + " from the cluster and join it again");
    }
    try {
      return keysDir.open();
    } catch (io.baton.store.encryption.InvalidUnlockKey locked) {
      return UnlockGate.await(dir, keysDir);
    }
  }

  /**
   * @param keys the unwrapped keys of a restarting manager, else null
   * @param joiningRaft this is a new manager: it creates empty Raft storage and asks the leader
   *     to add it to the group
   */
  private static BatonNode startNode(
      StateDir dir, NodeFile nodeFile, Credentials credentials, List<X509Certificate> roots, NodeSettings settings,
      KeysDir.Opened keys, boolean joiningRaft) throws NodeException {
    BatonNode node = new BatonNode(dir, nodeFile, credentials, roots, settings);
    try {
      if (joiningRaft) {
        node.startJoiningStore();
      } else if (keys != null) {
        node.managerKeys = ManagerKeys.opened(dir, keys, node.keys::current, node::renewAfterLocking, node.random);
        RatisClusterStore opened =
            RatisClusterStore.open(node.storeConfig(), nodeFile.clusterId(), node.managerKeys.codec());
        node.store = opened;
        // Managers of a group restart one by one: a leader may only appear once enough are back.
        if (!opened.awaitAnyLeader(settings.electionWait())) {
          log.warn("no Raft leader within {} ms: not enough managers are running yet; serving anyway,"
              + " and calls that need the leader fail until there is one", settings.electionWait().toMillis());
        }
      }
      node.startServices();
      if (joiningRaft) {
        node.joinRaftGroup();
      }
      return node;
    } catch (IOException | StoreException | NodeException | RuntimeException e) {
      node.close();
      throw failure("cannot start the node", e);
    }
  }

  private void startServices() throws IOException, NodeException {
    if (store != null) {
      startManager();
    }
    local = LocalControl.start(dir.controlSocket(), manager == null ? List.of() : manager.localServices());
    executor = ExecutorChoice.open(file.executor(), file.nodeId(), settings.clock());
    // One tmpfs per node under the root, so that several nodes on one host never share one.
    secrets = TmpfsSecrets.open(settings.secretsRoot().resolve(identity().nodeId()), secretValues);
    tasks = new TaskManager(executor, dir.root().resolve("tasks"), (id, status) -> statuses.report(id, status),
        settings.clock(), Thread.ofVirtual().name("baton-task-", 0).factory(), secrets);
    agent = new Agent(settings.agent(), channels, () -> file.managers(), description(), scheduler, random,
        this::onSession, settings.clock(), () -> keys.current().leaf().getSerialNumber().toString(16));
    if (file.fenceAfterMs() > 0) {
      Duration fenceAfter = Duration.ofMillis(file.fenceAfterMs());
      fence = new Fence(fenceAfter, agent::lastContact, tasks, settings.clock());
      agent.heartbeatAtLeastEvery(fenceAfter.dividedBy(Fence.HEARTBEATS_PER_FENCE));
    }
    statuses = new StatusReporter(() -> channels.get(agent.currentManager()), agent::sessionId,
        settings.agent().rpcTimeout(), scheduler);
    logs = new LogPublisher(() -> channels.get(agent.currentManager()), tasks);
    agent.start();
    renewer = new CertificateRenewer(settings.agent(), () -> channels.get(agent.currentManager()), keys,
        trust::roots, this::install, settings.clock(), scheduler, random);
    renewer.start();
  }

  /**
   * A new manager (joined with the manager token, or promoted): gets the store's keys from a
   * manager, writes them under its own new KEK, and starts an empty Raft peer that can read what
   * the leader sends it.
   */
  private void startJoiningStore() throws IOException, NodeException, StoreException {
    DataKeysResponse response = callAnyManager("get the store's keys",
        channel -> RaftMembershipGrpc.newBlockingStub(channel)
            .withDeadlineAfter(LEADER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .getDataKeys(GetDataKeysRequest.getDefaultInstance()));
    Protection protection = response.getUnlockKey().isEmpty()
        ? new Protection.Stored()
        : new Protection.Autolock(UnlockKey.of(response.getUnlockKey().toByteArray()));
    managerKeys = ManagerKeys.create(dir, new DataKeys(response.getDataKeysList()), protection, keys::current,
        this::renewAfterLocking, random);
    store = RatisClusterStore.join(storeConfig(), file.clusterId(), managerKeys.codec());
  }

  /** After autolock was turned on: the TLS key was on disk in the clear, so replace it. */
  private void renewAfterLocking() {
    CertificateRenewer r = renewer;
    if (r != null) {
      Thread.ofPlatform().daemon().name("baton-renew-after-locking").start(r::renewNow);
    }
  }

  private void startManager() throws IOException, NodeException {
    if (managerKeys != null) {
      managerKeys.follow(store);
    }
    manager = new Manager(
        new Manager.Config(Addresses.resolved(Addresses.parse("listen address", file.listenAddr())), settings.dispatcher(),
            settings.rateLimits(), settings.electionWait()),
        store, this::identity, settings.clock(), random, scheduler, channels::get);
    manager.start(keys.keyManager(), trust);
  }

  /**
   * Asks the leader (through any manager this node knows) to add this manager to the Raft group,
   * retrying while the cluster is electing a leader or this node's role is not yet visible there.
   */
  private void joinRaftGroup() throws NodeException {
    InetSocketAddress advertise = Addresses.parse("advertise address", file.advertiseAddr());
    InetSocketAddress raft = Addresses.parse("raft address", file.raftAddr());
    JoinRaftRequest request = JoinRaftRequest.newBuilder()
        .setRaftAddr(Addresses.format(InetSocketAddress.createUnresolved(advertise.getHostString(), raft.getPort())))
        .setManagerAddr(file.advertiseAddr())
        .build();
    callAnyManager("join the managers' Raft group", channel -> RaftMembershipGrpc.newBlockingStub(channel)
        .withDeadlineAfter(LEADER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .join(request));
    log.info("this manager joined the Raft group of cluster {}", file.clusterId());
  }

  /**
   * Calls the managers this node knows in turn until one answers, retrying while the cluster is
   * electing a leader or this node's role is not yet visible there.
   */
  private <T> T callAnyManager(String what, java.util.function.Function<io.grpc.Channel, T> call)
      throws NodeException {
    long deadline = System.nanoTime() + LEADER_TIMEOUT.toNanos();
    int attempt = 0;
    boolean waitingForApproval = false;
    while (true) {
      String target = file.managers().get(attempt++ % file.managers().size());
      try {
        return call.apply(channels.get(target));
      } catch (StatusRuntimeException e) {
        if (NodeRemoval.removedNode(e.getStatus(), e.getTrailers()).isPresent()) {
          throw new NodeException("cannot " + what + ": " + e.getStatus().getDescription());
        }
        if (PendingApproval.pendingNode(e.getStatus(), e.getTrailers()).isPresent()) {
          // Join approval: a pending manager waits as long as the operator takes, then goes on.
          if (!waitingForApproval) {
            log.warn("{}; this manager waits to {} until then", e.getStatus().getDescription(), what);
            waitingForApproval = true;
          }
          deadline = System.nanoTime() + LEADER_TIMEOUT.toNanos();
          sleepQuietly(APPROVAL_RETRY);
          if (Thread.currentThread().isInterrupted()) {
            throw new NodeException("interrupted while waiting for approval to " + what);
          }
          continue;
        }
        if (System.nanoTime() > deadline || !retryable(e)) {
          throw new NodeException("cannot " + what + " through " + target + ": " + describe(e));
        }
        log.info("trying to {} through {} failed ({}); retrying", what, target, describe(e));
        sleepQuietly(Duration.ofMillis(500));
      }
    }
  }

  private static boolean retryable(StatusRuntimeException e) {
    return switch (e.getStatus().getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, PERMISSION_DENIED, ABORTED -> true;
      default -> false;
    };
  }

  private static void sleepQuietly(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** This node's identity, from its current certificate. */
  public NodeIdentity identity() {
    return keys.current().identity();
  }

  /** The node's current credentials (for tests and the CLI's remote mode). */
  public Credentials credentials() {
    return keys.current();
  }

  public StateDir stateDir() {
    return dir;
  }

  /**
   * The command a worker runs to join this manager's cluster.
   *
   * @throws IllegalStateException on a node that runs no manager services
   */
  public String workerJoinCommand() {
    if (manager == null) {
      throw new IllegalStateException("not a manager");
    }
    var cluster = store.view().cluster().orElseThrow();
    return "baton join --state-dir DIR --token " + cluster.getJoinTokens().getWorker() + " " + file.advertiseAddr();
  }

  /** The unlock key {@code init --autolock} created, to show the operator once; else null. */
  public UnlockKey initialUnlockKey() {
    return initialUnlockKey;
  }

  /** The manager services, or null on a node without a Raft store. */
  public Manager manager() {
    return manager;
  }

  public Agent agent() {
    return agent;
  }

  public CertificateRenewer renewer() {
    return renewer;
  }

  /** The fence of a node started with {@code --fence-after}, else null. */
  public Fence fence() {
    return fence;
  }

  /** Where this node's tasks' secrets are, on tmpfs (for tests). */
  public TmpfsSecrets secrets() {
    return secrets;
  }

  /** The task manager running this node's tasks (for tests and logs). */
  public TaskManager tasks() {
    return tasks;
  }

  private void onSession(SessionMessage message) {
    if (message.getRemoved()) {
      removalWatch.noticeRemoval();
      return;
    }
    trustUpdater.apply(message.getTrustedRootsPem());
    renewIfAskedForRotation(message.getNode().getCertificate());
    secretValues.replace(message.getSecretsList());
    if (fence != null) {
      fence.apply(message.getTasksList());
    } else {
      tasks.reconcile(message.getTasksList());
    }
    logs.onSession(message);
    List<String> managers = message.getManagersList().stream().map(m -> m.getAddr()).toList();
    if (!managers.isEmpty() && !managers.equals(file.managers())) {
      file = file.withManagers(new ArrayList<>(managers));
      persistNodeFile();
    }
    Role stored = Role.fromProto(message.getNode().getRole());
    if (stored == identity().role() || !roleChanging.compareAndSet(false, true)) {
      return;
    }
    log.info("the cluster changed this node's role to {}", stored.ou());
    // A demoted manager keeps its manager certificate, which the other managers' Raft ports
    // require, until the leader has taken it out of the group; only then is it renewed.
    Thread.ofPlatform().daemon().name("baton-role-change").start(() -> {
      try {
        if (stored == Role.WORKER) {
          stopManaging();
        }
        renewer.renewNow();
      } finally {
        roleChanging.set(false);
      }
    });
  }

  /**
   * During a root rotation the leader asks this node to renew; stale pushes (of a record older than
   * the node's current certificate) are ignored, so one request leads to one renewal.
   */
  private void renewIfAskedForRotation(NodeCertificate record) {
    String serial = keys.current().leaf().getSerialNumber().toString(16);
    if (record.getRotate() && record.getSerial().equalsIgnoreCase(serial) && renewer != null) {
      renewer.renewSoon(ROTATION_RENEWAL_SPREAD);
    }
  }

  /**
   * Completes, with the message for the operator, once the cluster removed this node and the node
   * has stopped its tasks and services and deleted its certificates and cluster state. Never
   * completes for a node that is closed otherwise.
   */
  public CompletionStage<String> removal() {
    return removal;
  }

  /**
   * The cluster removed this node: every manager refuses its certificate from now on. Stops
   * everything (tasks included) and deletes the credentials, the Raft storage and node.json, so
   * nothing of the cluster is left behind and the state dir can take a fresh join.
   */
  private void onRemoved() {
    String id = file.nodeId();
    log.error("node {} was removed from the cluster: stopping its tasks and deleting its certificates", id);
    close();
    try {
      StateCleanup.removeNode(dir);
    } catch (IOException e) {
      log.warn("could not delete all of this node's state in {}: {}", dir.root(), e.getMessage());
    }
    removal.complete("node " + id + " was removed from the cluster; its certificates were deleted."
        + " To rejoin, run 'baton join' with a new join token (it joins as a new node)");
  }

  private void install(Credentials renewed) throws IOException {
    Credentials next;
    synchronized (keys) {
      next = trustUpdater.present(renewed);
      ManagerKeys mk = managerKeys;
      if (mk != null) {
        mk.writeCredentials(next);
      } else {
        dir.writeCredentials(next);
      }
      keys.update(next);
    }
    // Open connections carry the certificate they were opened with: later calls need the new one.
    channels.reconnect();
    String role = roleName(next.identity().role());
    if (!role.equals(file.role())) {
      file = file.withRole(role);
      persistNodeFile();
    }
    if (next.identity().role() == Role.MANAGER && store == null) {
      // Joining the Raft group waits on the leader for seconds: off the shared scheduler threads.
      Thread.ofPlatform().daemon().name("baton-role-change").start(this::becomeManager);
    }
  }

  /** After a promotion: start a Raft peer and the manager services, and join the group. */
  private synchronized void becomeManager() {
    if (store != null) {
      return;
    }
    try {
      if (file.raftAddr() == null) {
        file = file.withRaftAddr(raftAddrFor(file.listenAddr()));
        persistNodeFile();
      }
      startJoiningStore();
      startManager();
      restartLocalControl();
      joinRaftGroup();
      log.info("this node is now a manager");
    } catch (IOException | StoreException | NodeException | RuntimeException e) {
      log.error("could not start the manager services after the promotion: {}", e.getMessage());
    }
  }

  /**
   * After a demotion: once the leader has taken this peer out of the group, stop the manager
   * services and the Raft peer and delete the Raft storage: a worker keeps no cluster state.
   */
  private synchronized void stopManaging() {
    if (store == null) {
      return;
    }
    awaitRemovalFromRaftGroup();
    manager.close();
    manager = null;
    store.close();
    store = null;
    try {
      managerKeys.forget();
      managerKeys = null;
      StateCleanup.removeRaftStorage(dir);
      restartLocalControl();
    } catch (IOException e) {
      log.warn("could not finish the demotion cleanly: {}", e.getMessage());
    }
    log.info("this node is now a worker; its Raft storage was removed");
  }

  /**
   * Keeps this peer running until the leader has taken it out of the Raft group (the leader's role
   * manager does so, after a hand-over when this node led): stopping earlier would leave the group
   * counting on a voter that is gone, and a group of two without its quorum.
   */
  private void awaitRemovalFromRaftGroup() {
    long since = System.nanoTime();
    long lastNote = since;
    while (store.membership().members().stream().anyMatch(m -> m.id().equals(file.nodeId()))) {
      if (System.nanoTime() - lastNote > REMOVAL_NOTE_EVERY.toNanos()) {
        lastNote = System.nanoTime();
        log.warn("demoted, but still a member of the Raft group after {} s; waiting for the leader to remove it",
            Duration.ofNanos(lastNote - since).toSeconds());
      }
      sleepQuietly(Duration.ofMillis(200));
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
    }
  }

  private void restartLocalControl() throws IOException {
    if (local != null) {
      local.close();
    }
    local = LocalControl.start(dir.controlSocket(), manager == null ? List.of() : manager.localServices());
  }

  private void persistNodeFile() {
    try {
      dir.writeNodeFile(file);
    } catch (IOException e) {
      log.warn("cannot update {}: {}", dir.nodeJson(), e.getMessage());
    }
  }

  private StoreConfig storeConfig() throws NodeException {
    InetSocketAddress raft = Addresses.resolved(Addresses.parse("raft address", file.raftAddr()));
    RaftPeerAdmission admission = new RaftPeerAdmission(() -> store == null ? null : store.view(),
        id -> store != null && store.membership().members().stream().anyMatch(m -> m.id().equals(id)));
    return StoreConfig.defaults(dir.raftDir(), file.nodeId(), raft,
        new RaftTls(keys.keyManager(), trust.managersOnly().admitting(admission)));
  }

  private NodeDescription description() {
    return NodeDescription.newBuilder()
        .setHostname(settings.hostname() != null ? settings.hostname() : Hostname.detect())
        .setOs(System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT))
        .setArch(System.getProperty("os.arch", ""))
        .setVersion(BatonVersion.get())
        .setExecutor(executor.name())
        .setNanoCpus(Runtime.getRuntime().availableProcessors() * 1_000_000_000L)
        .setMemoryBytes(physicalMemory())
        .build();
  }

  private static long physicalMemory() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return 0;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (AutoCloseable part : new AutoCloseable[] {fence, renewer, agent, logs, statuses, tasks, secrets, executor, channels, local, manager, managerKeys, store}) {
      if (part != null) {
        try {
          part.close();
        } catch (Exception e) {
          log.warn("error while stopping {}: {}", part.getClass().getSimpleName(), e.getMessage());
        }
      }
    }
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void refuseExisting(StateDir dir) throws NodeException {
    if (dir.holdsNode()) {
      throw new NodeException(dir.root() + " already holds a node; restart it with 'baton start --state-dir "
          + dir.root() + "' or choose another --state-dir");
    }
  }

  private static String roleName(Role role) {
    return role == Role.MANAGER ? "manager" : "worker";
  }

  private static String describe(StatusRuntimeException e) {
    String description = e.getStatus().getDescription();
    if (description == null && e.getCause() != null) {
      description = e.getCause().getMessage();
    }
    return description != null ? description : e.getStatus().getCode().toString();
  }

  private static NodeException failure(String what, Exception e) {
    if (e instanceof NodeException ne) {
      return ne;
    }
    String message = e instanceof StatusRuntimeException sre ? describe(sre) : e.getMessage();
    return new NodeException(what + ": " + message, e);
  }
}
