package io.baton.manager;

import io.baton.ca.CertificateIssuer;
import io.baton.ca.NodeIdentity;
import io.baton.ca.TlsContexts;
import io.baton.manager.auth.AuthorizationInterceptor;
import io.baton.manager.auth.BootstrapRateLimiter;
import io.baton.manager.auth.IdentitySource;
import io.baton.manager.auth.MembershipView;
import io.baton.manager.ca.CaServer;
import io.baton.manager.ca.RootRotationReconciler;
import io.baton.manager.controlapi.ControlApi;
import io.baton.manager.dispatcher.Dispatcher;
import io.baton.manager.dispatcher.DispatcherConfig;
import io.baton.manager.logbroker.LogBroker;
import io.baton.manager.membership.DenylistPruner;
import io.baton.manager.membership.RaftMembershipServer;
import io.baton.manager.membership.RoleManager;
import io.baton.manager.raftproxy.LeaderForwarder;
import io.baton.manager.orchestrator.Orchestrator;
import io.baton.store.ClusterStore;
import io.baton.store.StoreException;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A manager's services and its one TCP listener: TLS 1.3 only, client certificate optional at the
 * handshake (so joiners can reach the CA), every call authorized by {@link AuthorizationInterceptor}.
 * The same services are offered to the local control socket with the node's own identity.
 */
public final class Manager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Manager.class);
  /** Largest request accepted; CSRs are limited far lower by the CA itself. */
  private static final int MAX_INBOUND_BYTES = 4 * 1024 * 1024;
  /** A TLS handshake must complete within this time, so half-open connections cannot pile up. */
  private static final long HANDSHAKE_TIMEOUT_SECONDS = 10;

  /**
   * What a manager is built from.
   *
   * @param electionWait how long a call to a follower waits for a leader to be elected before it
   *     fails with {@code UNAVAILABLE}
   */
  public record Config(
      InetSocketAddress listenAddress,
      DispatcherConfig dispatcher,
      BootstrapRateLimiter.Config rateLimits,
      Duration electionWait) {
    /** Covers a Ratis election (0.3-0.6 s timeouts, a few rounds at worst) with room to spare. */
    public static final Duration DEFAULT_ELECTION_WAIT = Duration.ofSeconds(5);
  }

  /** How often leadership is checked to start and stop the leader-only work. */
  private static final long LEADERSHIP_POLL_MS = 100;

  private final Config config;
  private final ClusterStore store;
  private final Dispatcher dispatcher;
  private final Orchestrator orchestrator;
  private final LogBroker logs;
  private final ScheduledExecutorService orchestration =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("baton-orchestrator").daemon().factory());
  private final List<BindableService> services;
  private final MembershipView membership;
  private final BootstrapRateLimiter rateLimiter;
  private final Clock clock;
  private final Supplier<NodeIdentity> self;
  private final LeaderForwarder forwarder;
  private final ScheduledExecutorService scheduler;
  private RoleManager roles;
  private DenylistPruner denylistPruner;
  private RootRotationReconciler rootRotation;
  private final SecureRandom random;
  private ScheduledFuture<?> leadershipTask;
  private boolean leading;
  private Server server;

  public Manager(
      Config config,
      ClusterStore store,
      Supplier<NodeIdentity> self,
      Clock clock,
      SecureRandom random,
      ScheduledExecutorService scheduler,
      Function<String, ManagedChannel> managerChannels) {
    this.store = store;
    this.random = random;
    this.scheduler = scheduler;
    this.clock = clock;
    this.self = self;
    this.membership = new MembershipView(store::view);
    this.rateLimiter = new BootstrapRateLimiter(config.rateLimits(), clock);
    // The broker asks the dispatcher to push subscriptions; the dispatcher serves what the broker holds.
    var pushes = new java.util.concurrent.atomic.AtomicReference<Dispatcher>();
    this.logs = new LogBroker(store, random, scheduler, nodes -> pushes.get().push(nodes));
    this.dispatcher = new Dispatcher(store, config.dispatcher(), clock, random, scheduler, logs);
    pushes.set(dispatcher);
    this.orchestrator = new Orchestrator(store, clock, random, orchestration);
    this.services = List.of(
        new CaServer(store, new CertificateIssuer(clock, random), random, rateLimiter, clock),
        dispatcher,
        new ControlApi(store, self.get().nodeId(), random, clock, logs),
        new RaftMembershipServer(store));
    this.forwarder = new LeaderForwarder(store, self.get().nodeId(), managerChannels, config.electionWait());
    this.config = config;
  }

  /**
   * Starts the dispatcher and the TLS listener.
   *
   * @throws IOException with a clear message if the address is in use
   */
  public void start(X509ExtendedKeyManager keyManager, X509ExtendedTrustManager trustManager)
      throws IOException {
    dispatcher.start();
    orchestrator.start();
    checkLeadership();
    leadershipTask = scheduler.scheduleWithFixedDelay(
        this::checkLeadership, LEADERSHIP_POLL_MS, LEADERSHIP_POLL_MS, TimeUnit.MILLISECONDS);
    roles = new RoleManager(store, self.get().nodeId(), scheduler);
    denylistPruner = new DenylistPruner(store, clock, scheduler);
    rootRotation = new RootRotationReconciler(store, RootRotationReconciler.Config.DEFAULT, clock, random, scheduler);
    AuthorizationInterceptor authz =
        new AuthorizationInterceptor(new IdentitySource.TlsPeer(), membership, rateLimiter, clock);
    NettyServerBuilder builder = NettyServerBuilder.forAddress(config.listenAddress())
        .sslContext(TlsContexts.server(keyManager, trustManager))
        .maxInboundMessageSize(MAX_INBOUND_BYTES)
        .handshakeTimeout(HANDSHAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true);
    for (BindableService service : services) {
      builder.addService(ServerInterceptors.intercept(service, forwarder, authz));
    }
    String where = config.listenAddress().getHostString() + ":" + config.listenAddress().getPort();
    try {
      server = builder.build().start();
    } catch (IOException e) {
      throw new IOException("cannot listen on " + where + ": "
          + (isAddressInUse(e) ? "address already in use" : e.getMessage()), e);
    }
    log.info("manager listening on {} (mutual TLS 1.3)", where);
  }

  private static boolean isAddressInUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException
          || (t.getMessage() != null && t.getMessage().toLowerCase(java.util.Locale.ROOT).contains("address already in use"))) {
        return true;
      }
    }
    return false;
  }

  /** The services with the local identity check, for the node's control socket. */
  public List<ServerServiceDefinition> localServices() {
    AuthorizationInterceptor authz =
        new AuthorizationInterceptor(new IdentitySource.Local(self), membership, rateLimiter, clock);
    return services.stream().map(s -> ServerInterceptors.intercept(s, forwarder, authz)).toList();
  }

  /**
   * Starts the leader-only work when this manager becomes the leader and stops it when it no
   * longer is. The orchestrator checks leadership on each pass itself; it is woken up here.
   */
  private synchronized void checkLeadership() {
    boolean now = store.isLeader();
    if (now == leading) {
      return;
    }
    if (now) {
      try {
        dispatcher.onElected();
      } catch (StoreException e) {
        log.warn("could not take over the node sessions yet: {}", e.getMessage());
        return;
      }
      orchestrator.trigger();
      log.info("this manager is the Raft leader");
    } else {
      dispatcher.onDeposed();
      log.info("this manager is no longer the Raft leader");
    }
    leading = now;
  }

  /** The port the listener is bound to (useful when started on port 0). */
  public int port() {
    return server.getPort();
  }

  public Dispatcher dispatcher() {
    return dispatcher;
  }

  /** The log broker (for tests and diagnostics). */
  public LogBroker logs() {
    return logs;
  }

  public ClusterStore store() {
    return store;
  }

  @Override
  public void close() {
    if (leadershipTask != null) {
      leadershipTask.cancel(false);
    }
    if (roles != null) {
      roles.close();
    }
    if (denylistPruner != null) {
      denylistPruner.close();
    }
    if (rootRotation != null) {
      rootRotation.close();
    }
    orchestrator.close();
    orchestration.shutdownNow();
    dispatcher.close();
    if (server != null) {
      server.shutdownNow();
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
