package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterTrustManagerTest {
  private final TestPki pki = TestPki.fixed();
  private final ClusterTrustManager tm =
      new ClusterTrustManager(pki.clusterId, List.of(pki.root.certificate()), TestPki.FIXED);

  @Test
  void acceptsManagersAsServersAndBothRolesAsClients() {
    X509Certificate[] manager = chain(pki.credentials(Role.MANAGER));
    X509Certificate[] worker = chain(pki.credentials(Role.WORKER));
    assertThatCode(() -> tm.checkServerTrusted(manager, "EC")).doesNotThrowAnyException();
    assertThatCode(() -> tm.checkClientTrusted(manager, "EC")).doesNotThrowAnyException();
    assertThatCode(() -> tm.checkClientTrusted(worker, "EC")).doesNotThrowAnyException();
    assertThatCode(() -> tm.checkClientTrusted(new X509Certificate[] {worker[0]}, "EC"))
        .doesNotThrowAnyException();
  }

  @Test
  void rejectsAWorkerActingAsServer() {
    X509Certificate[] worker = chain(pki.credentials(Role.WORKER));
    assertThatThrownBy(() -> tm.checkServerTrusted(worker, "EC"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("not a manager");
  }

  @Test
  void rejectsAForeignCaClaimingManager() {
    TestPki foreign = new TestPki(pki.clusterId, TestPki.FIXED);
    NodeIdentity claimed =
        new NodeIdentity(Identifiers.newId(TestPki.RND), Role.MANAGER, pki.clusterId);
    X509Certificate[] chain = chain(foreign.credentials(claimed, Duration.ofHours(1)));
    assertThatThrownBy(() -> tm.checkServerTrusted(chain, "EC"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("not signed by a trusted root CA");
    assertThatThrownBy(() -> tm.checkClientTrusted(chain, "EC"))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void rejectsExpiredAndNotYetValidCertificates() {
    X509Certificate[] chain =
        chain(pki.credentials(pki.identity(Role.MANAGER), Duration.ofHours(1)));
    Clock later = Clock.fixed(TestPki.NOW.plus(Duration.ofHours(2)), ZoneOffset.UTC);
    Clock earlier = Clock.fixed(TestPki.NOW.minus(Duration.ofHours(1)), ZoneOffset.UTC);
    var expired = new ClusterTrustManager(pki.clusterId, List.of(pki.root.certificate()), later);
    var notYet = new ClusterTrustManager(pki.clusterId, List.of(pki.root.certificate()), earlier);
    assertThatThrownBy(() -> expired.checkServerTrusted(chain, "EC"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("expired");
    assertThatThrownBy(() -> expired.checkClientTrusted(chain, "EC"))
        .hasMessageContaining("expired");
    assertThatThrownBy(() -> notYet.checkServerTrusted(chain, "EC"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("not valid before");
  }

  @Test
  void rejectsACertificateOfTheRightCaForAnotherCluster() {
    NodeIdentity stranger =
        new NodeIdentity(Identifiers.newId(TestPki.RND), Role.MANAGER, "other-cluster");
    X509Certificate[] chain = chain(pki.credentials(stranger, Duration.ofHours(1)));
    assertThatThrownBy(() -> tm.checkServerTrusted(chain, "EC"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("another cluster");
    assertThatThrownBy(() -> tm.checkClientTrusted(chain, "EC"))
        .hasMessageContaining("another cluster");
  }

  @Test
  void managersOnlyRejectsWorkerClientsAndSharesRoots() {
    ClusterTrustManager raft = tm.managersOnly();
    X509Certificate[] worker = chain(pki.credentials(Role.WORKER));
    X509Certificate[] manager = chain(pki.credentials(Role.MANAGER));
    assertThatThrownBy(() -> raft.checkClientTrusted(worker, "EC"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("not a manager");
    assertThatCode(() -> raft.checkClientTrusted(manager, "EC")).doesNotThrowAnyException();
    TestPki next = new TestPki(pki.clusterId, TestPki.FIXED);
    tm.updateRoots(List.of(next.root.certificate()));
    assertThatThrownBy(() -> raft.checkClientTrusted(manager, "EC"))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void admissionCheckRunsAfterVerificationAndKeepsTheRaftRestriction() {
    Credentials admitted = pki.credentials(Role.MANAGER);
    Credentials removed = pki.credentials(Role.MANAGER);
    ClusterTrustManager raft =
        tm.managersOnly().admitting(id -> !id.nodeId().equals(removed.identity().nodeId()));
    assertThatCode(() -> raft.checkClientTrusted(chain(admitted), "EC")).doesNotThrowAnyException();
    assertThatCode(() -> raft.checkServerTrusted(chain(admitted), "EC")).doesNotThrowAnyException();
    assertThatThrownBy(() -> raft.checkClientTrusted(chain(removed), "EC"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("not admitted");
    assertThatThrownBy(() -> raft.checkServerTrusted(chain(removed), "EC"))
        .hasMessageContaining("not admitted");
    assertThatThrownBy(() -> raft.checkClientTrusted(chain(pki.credentials(Role.WORKER)), "EC"))
        .hasMessageContaining("not a manager");
  }

  @Test
  void rootRotationSwapsTrust() {
    TestPki next = new TestPki(pki.clusterId, TestPki.FIXED);
    X509Certificate[] oldChain = chain(pki.credentials(Role.MANAGER));
    X509Certificate[] newChain = chain(next.credentials(Role.MANAGER));
    assertThatThrownBy(() -> tm.checkServerTrusted(newChain, "EC"))
        .isInstanceOf(CertificateException.class);
    tm.updateRoots(List.of(pki.root.certificate(), next.root.certificate()));
    assertThatCode(() -> tm.checkServerTrusted(oldChain, "EC")).doesNotThrowAnyException();
    assertThatCode(() -> tm.checkServerTrusted(newChain, "EC")).doesNotThrowAnyException();
    tm.updateRoots(List.of(next.root.certificate()));
    assertThatThrownBy(() -> tm.checkServerTrusted(oldChain, "EC"))
        .isInstanceOf(CertificateException.class);
    assertThatCode(() -> tm.checkServerTrusted(newChain, "EC")).doesNotThrowAnyException();
  }

  @Test
  void rejectsEmptyOverlongAndRootOnlyChains() {
    X509Certificate[] manager = chain(pki.credentials(Role.MANAGER));
    X509Certificate root = pki.root.certificate();
    assertThatThrownBy(() -> tm.checkServerTrusted(new X509Certificate[0], "EC"))
        .isInstanceOf(CertificateException.class);
    assertThatThrownBy(() -> tm.checkServerTrusted(null, "EC"))
        .isInstanceOf(CertificateException.class);
    X509Certificate[] longChain = {manager[0], root, root, root, root, root};
    assertThatThrownBy(() -> tm.checkServerTrusted(longChain, "EC"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("longer");
    assertThatThrownBy(() -> tm.checkServerTrusted(new X509Certificate[] {root}, "EC"))
        .isInstanceOf(CertificateException.class);
  }

  private static X509Certificate[] chain(Credentials credentials) {
    return credentials.chain().toArray(X509Certificate[]::new);
  }
}
