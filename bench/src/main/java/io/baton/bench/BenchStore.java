package io.baton.bench;

import io.baton.ca.CertificateIssuer;
import io.baton.ca.ClusterTrustManager;
import io.baton.ca.Credentials;
import io.baton.ca.CsrRejectedException;
import io.baton.ca.Identifiers;
import io.baton.ca.IssuedCertificate;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeyManager;
import io.baton.ca.NodeKeys;
import io.baton.ca.Role;
import io.baton.ca.RootCa;
import io.baton.store.ClusterStore;
import io.baton.store.RaftTls;
import io.baton.store.RatisClusterStore;
import io.baton.store.StoreConfig;
import io.baton.store.StoreException;
import io.baton.store.encryption.DataKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The Ratis cluster store a {@link WriteBench} configuration writes to, as managers run it: a
 * fresh cluster CA, a manager certificate issued by it, and {@link WriteBenchParams#peers()} Ratis
 * peers in this JVM, each with its own loopback Raft port (mutual TLS 1.3), its own storage in a
 * new directory under {@link WriteBenchParams#dir()} and default {@link StoreConfig}. The first is
 * bootstrapped; the others join and the leader adds them, as {@code baton join --token <manager
 * token>} does. All peers present the one manager certificate (the Raft port checks the role, not
 * which manager), so the figures include TLS and replication to every follower but not the node
 * layer's per-handshake admission check. Every peer has its own codec from the same data keys.
 */
final class BenchStore implements AutoCloseable {
  private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CERT_VALIDITY = Duration.ofHours(24);
  private static final int ADD_ATTEMPTS = 3;

  private final List<RatisClusterStore> peers;
  private final RatisClusterStore leader;
  private final Path groupDir;

  private BenchStore(List<RatisClusterStore> peers, RatisClusterStore leader, Path groupDir) {
    this.peers = peers;
    this.leader = leader;
    this.groupDir = groupDir;
  }

  static BenchStore start(WriteBenchParams params) {
    SecureRandom random = new SecureRandom();
    Clock clock = Clock.systemUTC();
    String clusterId = Identifiers.newId(random);
    String nodeId = Identifiers.newId(random);
    RootCa root = RootCa.create(clusterId, clock, random);
    KeyPair keys = NodeKeys.generate();
    IssuedCertificate cert;
    try {
      cert = new CertificateIssuer(clock, random).issue(root, NodeKeys.csrPem(keys),
          new NodeIdentity(nodeId, Role.MANAGER, clusterId), CERT_VALIDITY);
    } catch (CsrRejectedException e) {
      throw new BenchException("cannot issue the manager certificate: " + e.getMessage());
    }
    NodeKeyManager keyManager = new NodeKeyManager(new Credentials(keys.getPrivate(), cert.chain()));
    ClusterTrustManager trust = new ClusterTrustManager(clusterId, List.of(root.certificate()), clock);
    RaftTls tls = new RaftTls(keyManager.keyManager(), trust.managersOnly());
    DataKeys dataKeys = DataKeys.first(random, clock.millis());
    Path groupDir;
    try {
      groupDir = Files.createTempDirectory(params.dir(), "writes-raft-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<RatisClusterStore> peers = new ArrayList<>();
    try {
      for (int i = 1; i <= params.peers(); i++) {
        StoreConfig cfg = StoreConfig.defaults(groupDir.resolve("m" + i), "m" + i,
            new InetSocketAddress("127.0.0.1", freePort()), tls);
        if (i == 1) {
          peers.add(RatisClusterStore.bootstrap(cfg, clusterId, params.log().codec(dataKeys, random)));
          peers.get(0).awaitLeader(LEADER_TIMEOUT);
        } else {
          peers.add(RatisClusterStore.join(cfg, clusterId, params.log().codec(dataKeys, random)));
          addMember(peers.get(0), cfg);
        }
      }
      return new BenchStore(List.copyOf(peers), awaitLeader(peers), groupDir);
    } catch (StoreException e) {
      peers.forEach(RatisClusterStore::close);
      NodeStartupBench.deleteTree(groupDir);
      throw new BenchException("the cluster store did not start: " + e.getMessage());
    }
  }

  /**
   * Adds a joined peer through the leader, up to {@link #ADD_ATTEMPTS} times: on a loaded machine
   * the new peer may not catch up within Ratis's staging window (NOPROGRESS), and adding an
   * already-added peer is a no-op.
   */
  private static void addMember(RatisClusterStore leader, StoreConfig cfg) throws StoreException {
    String address = "127.0.0.1:" + cfg.raftAddress().getPort();
    for (int attempt = 1; ; attempt++) {
      try {
        leader.membership().addMember(cfg.peerId(), address);
        return;
      } catch (StoreException.Unavailable e) {
        if (attempt == ADD_ATTEMPTS) {
          throw e;
        }
        System.err.println("bench: adding " + cfg.peerId() + " failed (" + e.getMessage() + "); retrying");
      }
    }
  }

  /** The peer that leads once all have been added (normally the bootstrapped one). */
  private static RatisClusterStore awaitLeader(List<RatisClusterStore> peers) throws StoreException {
    Instant deadline = Instant.now().plus(LEADER_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      for (RatisClusterStore p : peers) {
        if (p.isLeader()) {
          return p;
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new StoreException.Unavailable("no peer became leader within " + LEADER_TIMEOUT.toSeconds() + " s");
  }

  /** The peer that takes the writes. */
  ClusterStore leader() {
    return leader;
  }

  /**
   * Waits until every follower has applied what the leader has, which shows each decoded the
   * leader's entries with its own codec.
   *
   * @throws BenchException if one has not within the leader timeout
   */
  void awaitFollowersApplied() throws InterruptedException {
    long index = leader.view().appliedIndex();
    Instant deadline = Instant.now().plus(LEADER_TIMEOUT);
    for (RatisClusterStore p : peers) {
      while (p.view().appliedIndex() < index) {
        if (Instant.now().isAfter(deadline)) {
          throw new BenchException("a follower did not apply the leader's entries within "
              + LEADER_TIMEOUT.toSeconds() + " s (applied " + p.view().appliedIndex() + " of " + index + ")");
        }
        Thread.sleep(20);
      }
    }
  }

  /** Stops every peer and deletes their storage. */
  @Override
  public void close() {
    peers.forEach(RatisClusterStore::close);
    NodeStartupBench.deleteTree(groupDir);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
