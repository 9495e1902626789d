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
import java.util.List;

/**
 * The Ratis cluster store a {@link WriteBench} configuration writes to, as a manager runs it: a
 * fresh cluster CA, a manager certificate issued by it, mutual TLS 1.3 on a loopback Raft port,
 * storage in a new directory under {@link WriteBenchParams#dir()}, default {@link StoreConfig}.
 * One peer today; a group of {@link WriteBenchParams#peers()} managers is started here once the
 * store can form one.
 */
final class BenchStore implements AutoCloseable {
  private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CERT_VALIDITY = Duration.ofHours(24);

  private final RatisClusterStore leader;
  private final Path raftDir;

  private BenchStore(RatisClusterStore leader, Path raftDir) {
    this.leader = leader;
    this.raftDir = raftDir;
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
    Path raftDir;
    try {
      raftDir = Files.createTempDirectory(params.dir(), "writes-raft-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StoreConfig cfg = StoreConfig.defaults(raftDir, nodeId,
        new InetSocketAddress("127.0.0.1", freePort()),
        new RaftTls(keyManager.keyManager(), trust.managersOnly()));
    RatisClusterStore store = null;
    try {
      store = RatisClusterStore.bootstrap(cfg, clusterId, params.codec());
      store.awaitLeader(LEADER_TIMEOUT);
      return new BenchStore(store, raftDir);
    } catch (StoreException e) {
      if (store != null) {
        store.close();
      }
      NodeStartupBench.deleteTree(raftDir);
      throw new BenchException("the cluster store did not start: " + e.getMessage());
    }
  }

  /** The peer that takes the writes. */
  ClusterStore leader() {
    return leader;
  }

  /** Stops the store and deletes its storage. */
  @Override
  public void close() {
    leader.close();
    NodeStartupBench.deleteTree(raftDir);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
