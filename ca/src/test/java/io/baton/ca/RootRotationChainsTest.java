package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The certificates of a root rotation: a leaf of the new root, presented with the cross-signed new
 * root, verifies for peers trusting the old root, the new root or both; joiners pin either root from
 * it; once the old root is dropped, the cross-signed certificate is no longer presented and
 * certificates of the old root are refused.
 */
class RootRotationChainsTest {
  private final TestPki pki = TestPki.fixed();
  private final RootCa oldRoot = pki.root;
  private final RootCa newRoot = RootCa.create(pki.clusterId, TestPki.FIXED, TestPki.RND);
  private final X509Certificate cross = oldRoot.crossSign(newRoot, TestPki.RND);

  private Credentials duringRotation(Role role) throws Exception {
    KeyPair keys = NodeKeys.generate();
    IssuedCertificate issued = pki.issuer.issue(newRoot, List.of(cross, oldRoot.certificate()),
        NodeKeys.csrPem(keys), pki.identity(role), Duration.ofHours(1));
    return new Credentials(keys.getPrivate(), issued.chain());
  }

  private static X509Certificate[] array(Credentials c) {
    return c.chain().toArray(X509Certificate[]::new);
  }

  private ClusterTrustManager trusting(X509Certificate... roots) {
    return new ClusterTrustManager(pki.clusterId, List.of(roots), TestPki.FIXED);
  }

  @Test
  void theCrossSignedRootCarriesTheNewKeyUnderTheOldRoot() throws Exception {
    cross.verify(oldRoot.certificate().getPublicKey());
    assertThat(cross.getPublicKey()).isEqualTo(newRoot.certificate().getPublicKey());
    assertThat(cross.getSubjectX500Principal()).isEqualTo(newRoot.certificate().getSubjectX500Principal());
    assertThat(cross.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(ChainVerifier.isSelfSignedCa(cross)).isFalse();
  }

  @Test
  void aNewRootLeafVerifiesForPeersTrustingEitherOrBothRoots() throws Exception {
    Credentials issued = duringRotation(Role.MANAGER);
    for (List<X509Certificate> trusted : List.of(List.of(oldRoot.certificate()), List.of(newRoot.certificate()),
        List.of(oldRoot.certificate(), newRoot.certificate()))) {
      Credentials presented = issued.presentedWith(List.of(oldRoot.certificate(), newRoot.certificate()));
      trusting(trusted.toArray(X509Certificate[]::new)).checkServerTrusted(array(presented), "");
      trusting(trusted.toArray(X509Certificate[]::new)).checkClientTrusted(array(presented), "");
    }
    // Without the cross-signed root, a peer trusting only the old root cannot build a path.
    Credentials bare = new Credentials(issued.key(), List.of(issued.leaf(), newRoot.certificate()));
    assertThatThrownBy(() -> trusting(oldRoot.certificate()).checkServerTrusted(array(bare), ""))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void joinersPinEitherRootFromAManagerPresentingBoth() throws Exception {
    Credentials presented = duringRotation(Role.MANAGER)
        .presentedWith(List.of(oldRoot.certificate(), newRoot.certificate()));
    for (RootCa pinnedRoot : List.of(oldRoot, newRoot)) {
      PinnedRootTrustManager pinned = new PinnedRootTrustManager(pinnedRoot.digest(), TestPki.FIXED);
      pinned.checkServerTrusted(array(presented), "");
      assertThat(pinned.pinnedRoot()).contains(pinnedRoot.certificate());
    }
  }

  @Test
  void onceTheOldRootIsDroppedOnlyTheNewRootIsPresentedAndOldRootCertificatesAreRefused() throws Exception {
    Credentials afterwards = duringRotation(Role.WORKER).presentedWith(List.of(newRoot.certificate()));
    assertThat(afterwards.chain()).containsExactly(afterwards.leaf(), newRoot.certificate());
    trusting(newRoot.certificate()).checkClientTrusted(array(afterwards), "");

    Credentials ofOldRoot = pki.credentials(Role.MANAGER);
    assertThatThrownBy(() -> trusting(newRoot.certificate()).checkClientTrusted(array(ofOldRoot), ""))
        .isInstanceOf(CertificateException.class);
    // Not even with the cross-signed certificate in the chain: it certifies the new key, not the old.
    Credentials withCross = new Credentials(ofOldRoot.key(), List.of(ofOldRoot.leaf(), cross, oldRoot.certificate()));
    assertThatThrownBy(() -> trusting(newRoot.certificate()).checkClientTrusted(array(withCross), ""))
        .isInstanceOf(CertificateException.class);
    assertThatThrownBy(() -> new PinnedRootTrustManager(oldRoot.digest(), TestPki.FIXED)
        .checkServerTrusted(array(afterwards), "")).isInstanceOf(CertificateException.class);
  }
}
