package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * The CA's signing path on an untrusted CSR, with a real root: {@link CertificateIssuer#issue}
 * either throws {@link CsrRejectedException} or issues a certificate for exactly the identity the
 * CA assigned (subject, role, SANs) over the CSR's own public key, signed by the root; whatever the
 * CSR asks for (subject, extensions, attributes) never shows. No other exception.
 *
 * <p>Input: PEM text if it starts with {@code -----BEGIN}, else the DER of a request, which is
 * wrapped in a {@code CERTIFICATE REQUEST} block (so the fuzzer works on the ASN.1 directly).
 */
class CsrFuzzTest {
  private static final TestPki PKI = TestPki.fixed();
  private static final NodeIdentity ASSIGNED =
      new NodeIdentity("assignednode0000000000001", Role.WORKER, PKI.clusterId);
  private static final Duration VALIDITY = Duration.ofHours(1);

  @FuzzTest
  void issue(byte[] input) throws Exception {
    String pem = asPem(input);
    IssuedCertificate issued;
    try {
      issued = PKI.issuer.issue(PKI.root, pem, ASSIGNED, VALIDITY);
    } catch (CsrRejectedException e) {
      assertThat(e.getMessage()).startsWith("CSR ");
      return;
    }
    X509Certificate leaf = issued.certificate();
    assertThat(NodeIdentity.fromCertificate(leaf)).isEqualTo(ASSIGNED);
    assertThat(leaf.getSubjectX500Principal().getName())
        .isEqualTo("CN=" + ASSIGNED.nodeId() + ",OU=baton-worker,O=" + ASSIGNED.clusterId());
    assertThat(leaf.getSubjectAlternativeNames())
        .extracting(name -> (Object) name.get(1))
        .containsExactly("baton-worker", ASSIGNED.nodeId());
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getExtendedKeyUsage())
        .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(leaf.getNonCriticalExtensionOIDs())
        .containsExactlyInAnyOrder("2.5.29.37", "2.5.29.17", "2.5.29.14", "2.5.29.35");
    assertThat(leaf.getCriticalExtensionOIDs()).containsExactlyInAnyOrder("2.5.29.19", "2.5.29.15");
    leaf.verify(PKI.root.certificate().getPublicKey());
    assertThat(issued.chain()).isEqualTo(List.of(leaf, PKI.root.certificate()));
    PKCS10CertificationRequest csr = Csr.parse(pem);
    assertThat(leaf.getPublicKey().getEncoded())
        .isEqualTo(csr.getSubjectPublicKeyInfo().getEncoded());
    assertThat(CertificateIssuer.csrSha256(pem)).hasSize(32);
  }

  private static String asPem(byte[] input) {
    String text = new String(input, StandardCharsets.ISO_8859_1);
    return text.startsWith("-----BEGIN") ? text : PemBlocks.encode("CERTIFICATE REQUEST", input);
  }
}
