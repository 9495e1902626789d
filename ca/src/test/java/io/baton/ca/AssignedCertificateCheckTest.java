package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * What an external CA may return and baton still hands out: exactly the requested identity, nothing
 * more. Each refused case is a certificate a loose CFSSL profile (or a CSR it copies from) could
 * produce, signed for real by the cluster root.
 */
class AssignedCertificateCheckTest {
  private static final Duration DAY = Duration.ofHours(24);
  private static final Instant NOW = TestPki.NOW;

  private final TestPki pki = TestPki.fixed();
  private final KeyPair keys = NodeKeys.generate();
  private final NodeIdentity worker = pki.identity(Role.WORKER);

  /** The certificate a well-configured CFSSL returns for {@link #worker}; tests change one thing. */
  private final class Spec {
    String subject = "O=" + pki.clusterId + ",OU=baton-worker,CN=" + worker.nodeId();
    GeneralName[] names = {dns("baton-worker"), dns(worker.nodeId())};
    boolean ca = false;
    int keyUsage = KeyUsage.digitalSignature | KeyUsage.keyEncipherment;
    KeyPurposeId[] purposes = {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth};
    Instant notBefore = NOW.minus(Duration.ofMinutes(5));
    Instant notAfter = NOW.plus(DAY).minus(Duration.ofMinutes(5));
    RootCa signer = pki.root;
    KeyPair subjectKeys = keys;

    X509Certificate build() throws Exception {
      var builder = new JcaX509v3CertificateBuilder(signer.certificate(), Certificates.randomSerial(TestPki.RND),
          Date.from(notBefore), Date.from(notAfter), new X500Name(subject), subjectKeys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca))
          .addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.key())));
    }
  }

  private static GeneralName dns(String name) {
    return new GeneralName(GeneralName.dNSName, name);
  }

  private void check(X509Certificate cert) throws CertificateException {
    AssignedCertificateCheck.verify(cert, keys.getPublic(), worker, DAY, pki.root.certificate(), NOW);
  }

  private void refused(java.util.function.Consumer<Spec> change, String reason) throws Exception {
    Spec spec = new Spec();
    change.accept(spec);
    X509Certificate cert = spec.build();
    assertThatThrownBy(() -> check(cert)).isInstanceOf(CertificateException.class).hasMessageContaining(reason);
  }

  @Test
  void whatBatonAskedForPasses() throws Exception {
    assertThatCode(() -> check(new Spec().build())).doesNotThrowAnyException();
    // baton's own issuer meets the same rules
    IssuedCertificate own = pki.issuer.issue(pki.root, NodeKeys.csrPem(keys), worker, DAY);
    assertThatCode(() -> check(own.certificate())).doesNotThrowAnyException();
  }

  @Test
  void anotherIdentityOrExtraSubjectAttributesAreRefused() throws Exception {
    refused(s -> s.subject = "O=" + pki.clusterId + ",OU=baton-manager,CN=" + worker.nodeId(), "names another node, role");
    refused(s -> s.subject = "O=other-cluster,OU=baton-worker,CN=" + worker.nodeId(), "names another node, role");
    refused(s -> s.subject = "C=US,L=Anywhere,O=" + pki.clusterId + ",OU=baton-worker,CN=" + worker.nodeId(),
        "attributes besides CN, OU and O");
    refused(s -> s.subject = "O=" + pki.clusterId + ",OU=baton-worker,OU=baton-manager,CN=" + worker.nodeId(),
        "more than one OU");
  }

  @Test
  void extraOrMissingNamesAreRefused() throws Exception {
    refused(s -> s.names = new GeneralName[] {dns("baton-worker"), dns(worker.nodeId()), dns("baton-manager")},
        "DNS names");
    refused(s -> s.names = new GeneralName[] {dns("baton-worker")}, "DNS names");
    refused(s -> s.names = new GeneralName[] {dns("baton-worker"), dns(worker.nodeId()),
        new GeneralName(GeneralName.iPAddress, "10.0.0.1")}, "other than DNS names");
  }

  @Test
  void caPowersAndOtherUsagesAreRefused() throws Exception {
    refused(s -> s.ca = true, "is a CA certificate");
    refused(s -> s.keyUsage = KeyUsage.digitalSignature | KeyUsage.keyCertSign, "more than digitalSignature");
    refused(s -> s.keyUsage = KeyUsage.keyEncipherment, "lacks digitalSignature");
    refused(s -> s.purposes = new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth}, "not exactly server auth and client auth");
    refused(s -> s.purposes = new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth,
        KeyPurposeId.id_kp_codeSigning}, "not exactly server auth and client auth");
  }

  @Test
  void validityBeyondTheClustersExpiryOrNotNowIsRefused() throws Exception {
    refused(s -> s.notAfter = NOW.plus(Duration.ofDays(365)), "longer than the cluster's node certificate expiry of 24h");
    refused(s -> s.notAfter = NOW.minusSeconds(1), "not valid now");
    refused(s -> s.notBefore = NOW.plus(Duration.ofHours(1)), "not valid now");
    Spec shorter = new Spec();
    shorter.notAfter = NOW.plus(Duration.ofHours(2));
    X509Certificate cert = shorter.build();
    assertThatCode(() -> check(cert)).doesNotThrowAnyException();
  }

  @Test
  void anotherKeyOrAnotherRootIsRefused() throws Exception {
    refused(s -> s.subjectKeys = NodeKeys.generate(), "another public key");
    RootCa stranger = RootCa.create(pki.clusterId, TestPki.FIXED, TestPki.RND);
    refused(s -> s.signer = stranger, "not signed by a trusted root CA");
  }
}
