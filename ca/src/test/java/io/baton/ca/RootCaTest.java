package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.GeneralSecurityException;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class RootCaTest {
  private final TestPki pki = TestPki.fixed();

  @Test
  void createdRootHasTheDocumentedShape() throws Exception {
    var cert = pki.root.certificate();
    assertThat(cert.getSubjectX500Principal().getName())
        .isEqualTo("CN=baton-root-ca,O=" + pki.clusterId);
    assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
    cert.verify(cert.getPublicKey());
    assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize())
        .isEqualTo(256);
    assertThat(cert.getBasicConstraints()).isEqualTo(1);
    assertThat(cert.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
    boolean[] usage = cert.getKeyUsage();
    assertThat(usage[5]).as("keyCertSign").isTrue();
    assertThat(usage[6]).as("cRLSign").isTrue();
    assertThat(usage[0]).as("digitalSignature").isFalse();
    assertThat(cert.getExtensionValue("2.5.29.14")).as("SKI").isNotNull();
    assertThat(cert.getNotBefore().toInstant()).isEqualTo(TestPki.NOW.minus(Duration.ofHours(1)));
    assertThat(cert.getNotAfter().toInstant())
        .isEqualTo(TestPki.NOW.atZone(ZoneOffset.UTC).plusYears(20).toInstant());
    assertThat(cert.getSerialNumber().signum()).isPositive();
    assertThat(cert.getSerialNumber().bitLength()).isLessThanOrEqualTo(159);
  }

  @Test
  void pemRoundTripKeepsCertificateAndKey() throws Exception {
    RootCa loaded = RootCa.fromPem(pki.root.certificatePem(), pki.root.keyPem());
    assertThat(loaded.certificate()).isEqualTo(pki.root.certificate());
    assertThat(loaded.key()).isEqualTo(pki.root.key());
    assertThat(loaded.digest()).isEqualTo(pki.root.digest());
  }

  @Test
  void mismatchedKeyIsRejected() {
    RootCa other = TestPki.fixed().root;
    assertThatThrownBy(() -> RootCa.fromPem(pki.root.certificatePem(), other.keyPem()))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("does not match");
  }

  @Test
  void leafCertificateIsNotARoot() throws Exception {
    Credentials node = pki.credentials(Role.WORKER);
    assertThatThrownBy(
            () ->
                RootCa.fromPem(
                    Pem.encodeCertificates(List.of(node.leaf())), Pem.encodePrivateKey(node.key())))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("not a CA");
  }

  @Test
  void toStringDoesNotContainTheKey() {
    String keyPem = pki.root.keyPem();
    String body = keyPem.split("\n")[1];
    assertThat(pki.root.toString()).doesNotContain(body).doesNotContain("PRIVATE");
  }
}
