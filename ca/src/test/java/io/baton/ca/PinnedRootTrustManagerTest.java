package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

class PinnedRootTrustManagerTest {
  private final TestPki pki = TestPki.fixed();

  @Test
  void acceptsTheClusterChainAndPinsItsRoot() {
    var tm = new PinnedRootTrustManager(pki.root.digest(), TestPki.FIXED);
    assertThat(tm.pinnedRoot()).isEmpty();
    assertThatCode(() -> tm.checkServerTrusted(chain(pki.credentials(Role.MANAGER)), "EC"))
        .doesNotThrowAnyException();
    assertThat(tm.pinnedRoot()).contains(pki.root.certificate());
  }

  @Test
  void rejectsAChainFromAnotherRoot() {
    TestPki mitm = new TestPki(pki.clusterId, TestPki.FIXED);
    var tm = new PinnedRootTrustManager(pki.root.digest(), TestPki.FIXED);
    assertThatThrownBy(() -> tm.checkServerTrusted(chain(mitm.credentials(Role.MANAGER)), "EC"))
        .isInstanceOf(CertificateException.class)
        .hasMessage("remote CA does not match the join token's digest");
    assertThat(tm.pinnedRoot()).isEmpty();
  }

  @Test
  void rejectsALeafOfAnotherRootAppendedWithTheRightRoot() {
    TestPki mitm = new TestPki(pki.clusterId, TestPki.FIXED);
    var tm = new PinnedRootTrustManager(pki.root.digest(), TestPki.FIXED);
    X509Certificate[] spliced = {mitm.credentials(Role.MANAGER).leaf(), pki.root.certificate()};
    assertThatThrownBy(() -> tm.checkServerTrusted(spliced, "EC"))
        .isInstanceOf(CertificateException.class);
    assertThat(tm.pinnedRoot()).isEmpty();
  }

  @Test
  void rejectsAChainWithoutTheRootAndAWorkerServer() {
    var tm = new PinnedRootTrustManager(pki.root.digest(), TestPki.FIXED);
    X509Certificate leafOnly = pki.credentials(Role.MANAGER).leaf();
    assertThatThrownBy(() -> tm.checkServerTrusted(new X509Certificate[] {leafOnly}, "EC"))
        .hasMessage("remote CA does not match the join token's digest");
    assertThatThrownBy(() -> tm.checkServerTrusted(chain(pki.credentials(Role.WORKER)), "EC"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("not a manager");
    assertThat(tm.pinnedRoot()).isEmpty();
  }

  @Test
  void neverVerifiesClients() {
    var tm = new PinnedRootTrustManager(pki.root.digest(), TestPki.FIXED);
    assertThatThrownBy(() -> tm.checkClientTrusted(chain(pki.credentials(Role.MANAGER)), "EC"))
        .isInstanceOf(CertificateException.class);
    assertThat(tm.getAcceptedIssuers()).isEmpty();
  }

  private static X509Certificate[] chain(Credentials credentials) {
    return credentials.chain().toArray(X509Certificate[]::new);
  }
}
