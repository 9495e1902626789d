package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

class CertificateIssuerTest {
  private final TestPki pki = TestPki.fixed();

  @Test
  void csrCannotChooseItsIdentity() throws Exception {
    KeyPair keys = NodeKeys.generate();
    ExtensionsGenerator requested = new ExtensionsGenerator();
    requested.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(
            new GeneralName[] {
              new GeneralName(GeneralName.dNSName, "baton-manager"),
              new GeneralName(GeneralName.dNSName, "evil.example")
            }));
    requested.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    String csr =
        csrPem(
            new JcaPKCS10CertificationRequestBuilder(
                    new X500Name("CN=other,OU=baton-manager,O=evil"), keys.getPublic())
                .addAttribute(
                    PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, requested.generate()),
            keys,
            "SHA256withECDSA");
    NodeIdentity assigned = pki.identity(Role.WORKER);
    IssuedCertificate issued = pki.issuer.issue(pki.root, csr, assigned, Duration.ofHours(24));
    X509Certificate cert = issued.certificate();
    assertThat(NodeIdentity.fromCertificate(cert)).isEqualTo(assigned);
    assertThat(cert.getSubjectX500Principal().getName())
        .isEqualTo("CN=" + assigned.nodeId() + ",OU=baton-worker,O=" + pki.clusterId);
    assertThat(dnsNames(cert)).containsExactly("baton-worker", assigned.nodeId());
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
  }

  @Test
  void managerCertificatesCarryTheManagerSanAndWorkersDoNot() throws Exception {
    NodeIdentity manager = pki.identity(Role.MANAGER);
    NodeIdentity worker = pki.identity(Role.WORKER);
    X509Certificate m = pki.issue(manager, Duration.ofHours(1)).certificate();
    X509Certificate w = pki.issue(worker, Duration.ofHours(1)).certificate();
    assertThat(dnsNames(m)).containsExactlyInAnyOrder(Role.MANAGER_SAN, manager.nodeId());
    assertThat(dnsNames(w)).containsExactlyInAnyOrder("baton-worker", worker.nodeId());
    assertThat(dnsNames(w)).doesNotContain(Role.MANAGER_SAN);
  }

  @Test
  void issuedCertificateHasTheDocumentedExtensionsAndChain() throws Exception {
    IssuedCertificate issued = pki.issue(pki.identity(Role.WORKER), Duration.ofHours(24));
    X509Certificate cert = issued.certificate();
    cert.verify(pki.root.certificate().getPublicKey());
    assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(cert.getExtendedKeyUsage())
        .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(cert.getKeyUsage()[0]).isTrue();
    assertThat(cert.getCriticalExtensionOIDs()).contains("2.5.29.15");
    assertThat(cert.getExtensionValue("2.5.29.14")).as("SKI").isNotNull();
    assertThat(cert.getExtensionValue("2.5.29.35")).as("AKI").isNotNull();
    assertThat(cert.getIssuerX500Principal())
        .isEqualTo(pki.root.certificate().getSubjectX500Principal());
    assertThat(issued.chain()).containsExactly(cert, pki.root.certificate());
    assertThat(Pem.decodeCertificates(issued.chainPem())).isEqualTo(issued.chain());
    assertThat(issued.serialHex()).isEqualTo(cert.getSerialNumber().toString(16));
    assertThat(cert.getSerialNumber().signum()).isPositive();
    assertThat(cert.getSerialNumber().bitLength()).isLessThanOrEqualTo(159);
    assertThat(issued.notAfter()).isEqualTo(cert.getNotAfter().toInstant());
  }

  @Test
  void validityIsBackdatedAndEndsAtNowPlusValidity() throws Exception {
    X509Certificate day = pki.issue(pki.identity(Role.WORKER), Duration.ofHours(24)).certificate();
    assertThat(day.getNotBefore().toInstant()).isEqualTo(TestPki.NOW.minusSeconds(3600));
    assertThat(day.getNotAfter().toInstant()).isEqualTo(TestPki.NOW.plus(Duration.ofHours(24)));
    X509Certificate shortLived =
        pki.issue(pki.identity(Role.WORKER), Duration.ofSeconds(40)).certificate();
    assertThat(shortLived.getNotBefore().toInstant()).isEqualTo(TestPki.NOW.minusSeconds(10));
    assertThat(shortLived.getNotAfter().toInstant()).isEqualTo(TestPki.NOW.plusSeconds(40));
    assertThatThrownBy(() -> pki.issue(pki.identity(Role.WORKER), Duration.ofMillis(999)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void garbageCsrsAreRejected() {
    for (String csr :
        List.of(
            "",
            "not a csr",
            pki.root.certificatePem(),
            "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
            NodeKeys.csrPem(NodeKeys.generate()) + NodeKeys.csrPem(NodeKeys.generate()))) {
      assertThatThrownBy(() -> issue(csr))
          .isInstanceOf(CsrRejectedException.class)
          .hasMessageContaining("CSR");
    }
    assertThatThrownBy(() -> issue("garbage")).hasMessage("CSR is not a PEM PKCS#10 request");
  }

  @Test
  void oversizedCsrIsRejectedBeforeParsing() {
    String huge = "A".repeat(10 * 1024 * 1024);
    assertThatThrownBy(() -> issue(huge))
        .isInstanceOf(CsrRejectedException.class)
        .hasMessage("CSR is larger than 16 KiB");
    assertThatThrownBy(() -> CertificateIssuer.csrSha256(huge))
        .isInstanceOf(CsrRejectedException.class);
  }

  @Test
  void tamperedCsrIsRejected() throws Exception {
    String csr = NodeKeys.csrPem(NodeKeys.generate());
    byte[] der = derOf(csr);
    byte[] marker = "baton-node".getBytes(StandardCharsets.US_ASCII);
    int at = indexOf(der, marker);
    assertThat(at).isPositive();
    der[at + marker.length - 1] ^= 0x01;
    String tampered = pem(der);
    assertThatThrownBy(() -> issue(tampered))
        .isInstanceOf(CsrRejectedException.class)
        .hasMessage("CSR signature is invalid");
  }

  @Test
  void weakOrUnsupportedKeysAreRejected() throws Exception {
    KeyPair rsa1024 = rsa(1024);
    assertThatThrownBy(() -> issue(csrPem(builder(rsa1024.getPublic()), rsa1024, "SHA256withRSA")))
        .isInstanceOf(CsrRejectedException.class)
        .hasMessageContaining("RSA");
    KeyPair p521 = ec("secp521r1");
    assertThatThrownBy(() -> issue(csrPem(builder(p521.getPublic()), p521, "SHA256withECDSA")))
        .isInstanceOf(CsrRejectedException.class)
        .hasMessageContaining("P-256");
    KeyPair p256 = NodeKeys.generate();
    assertThatThrownBy(() -> issue(csrPem(builder(p256.getPublic()), p256, "SHA1withECDSA")))
        .isInstanceOf(CsrRejectedException.class)
        .hasMessageContaining("algorithm");
  }

  @Test
  void strongRsaAndP384KeysAreAccepted() throws Exception {
    KeyPair rsa2048 = rsa(2048);
    assertThat(
            issue(csrPem(builder(rsa2048.getPublic()), rsa2048, "SHA256withRSA"))
                .certificate()
                .getPublicKey())
        .isEqualTo(rsa2048.getPublic());
    KeyPair p384 = ec("secp384r1");
    assertThat(
            issue(csrPem(builder(p384.getPublic()), p384, "SHA384withECDSA"))
                .certificate()
                .getPublicKey())
        .isEqualTo(p384.getPublic());
  }

  @Test
  void csrDigestIsTheSha256OfItsDer() throws Exception {
    String csr = NodeKeys.csrPem(NodeKeys.generate());
    byte[] expected = MessageDigest.getInstance("SHA-256").digest(derOf(csr));
    assertThat(CertificateIssuer.csrSha256(csr)).isEqualTo(expected);
    assertThatThrownBy(() -> CertificateIssuer.csrSha256("nope"))
        .isInstanceOf(CsrRejectedException.class);
  }

  private IssuedCertificate issue(String csr) throws CsrRejectedException {
    return pki.issuer.issue(pki.root, csr, pki.identity(Role.WORKER), Duration.ofHours(1));
  }

  private static JcaPKCS10CertificationRequestBuilder builder(PublicKey key) {
    return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=x"), key);
  }

  private static String csrPem(
      PKCS10CertificationRequestBuilder builder, KeyPair keys, String algorithm) throws Exception {
    return pem(
        builder
            .build(new JcaContentSignerBuilder(algorithm).build(keys.getPrivate()))
            .getEncoded());
  }

  private static String pem(byte[] der) {
    return "-----BEGIN CERTIFICATE REQUEST-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END CERTIFICATE REQUEST-----\n";
  }

  private static byte[] derOf(String pem) {
    String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }

  private static KeyPair rsa(int bits) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(bits);
    return generator.generateKeyPair();
  }

  private static KeyPair ec(String curve) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec(curve));
    return generator.generateKeyPair();
  }

  static List<String> dnsNames(X509Certificate cert) throws Exception {
    Collection<List<?>> names = cert.getSubjectAlternativeNames();
    return names.stream().filter(n -> (Integer) n.get(0) == 2).map(n -> (String) n.get(1)).toList();
  }
}
