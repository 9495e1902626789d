package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.junit.jupiter.api.Test;

class PemTest {
  private final TestPki pki = TestPki.fixed();

  @Test
  void certificatesRoundTrip() throws Exception {
    IssuedCertificate issued = pki.issue(pki.identity(Role.WORKER), Duration.ofHours(1));
    String pem = Pem.encodeCertificates(issued.chain());
    assertThat(pem).isEqualTo(issued.chainPem());
    assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n");
    assertThat(Pem.decodeCertificates(pem)).isEqualTo(issued.chain());
    assertThat(Pem.decodeCertificates(pem.replace("\n", "\r\n"))).isEqualTo(issued.chain());
  }

  @Test
  void privateKeysRoundTrip() throws Exception {
    KeyPair ec = NodeKeys.generate();
    String pem = Pem.encodePrivateKey(ec.getPrivate());
    assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(Pem.decodePrivateKey(pem)).isEqualTo(ec.getPrivate());
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    KeyPair rsaKeys = rsa.generateKeyPair();
    assertThat(Pem.decodePrivateKey(Pem.encodePrivateKey(rsaKeys.getPrivate())))
        .isEqualTo(rsaKeys.getPrivate());
  }

  @Test
  void badCertificateInputIsRejected() {
    String cert = pki.root.certificatePem();
    String body = cert.substring(cert.indexOf('\n') + 1, cert.indexOf("-----END"));
    List<String> bad =
        List.of(
            "",
            "   \n",
            "hello world",
            "garbage\n" + cert,
            cert + "trailing garbage\n",
            cert.replace("-----END CERTIFICATE-----", ""),
            cert.replace("END CERTIFICATE", "END CERTIFICATE REQUEST"),
            cert.replace("CERTIFICATE", "PRIVATE KEY"),
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE-----\n"
                + Base64.getEncoder().encodeToString(new byte[] {1, 2, 3})
                + "\n-----END CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE-----\n" + body + "AAAA\n-----END CERTIFICATE-----\n",
            cert.repeat(70_000 / cert.length() + 1));
    for (String pem : bad) {
      assertThatThrownBy(() -> Pem.decodeCertificates(pem))
          .as(pem.length() > 80 ? pem.substring(0, 80) : pem)
          .isInstanceOf(CertificateException.class);
    }
  }

  @Test
  void badKeyInputIsRejected() {
    String key = Pem.encodePrivateKey(NodeKeys.generate().getPrivate());
    for (String pem :
        List.of(
            "",
            "nope",
            pki.root.certificatePem(),
            key + key,
            key.replace("PRIVATE KEY", "PUBLIC KEY"))) {
      assertThatThrownBy(() -> Pem.decodePrivateKey(pem))
          .isInstanceOf(GeneralSecurityException.class)
          .hasMessageNotContaining(key.substring(40, 80));
    }
  }

  @Test
  void sec1EcPrivateKeysAreAccepted() throws Exception {
    KeyPair ec = NodeKeys.generate();
    PrivateKeyInfo info = PrivateKeyInfo.getInstance(ec.getPrivate().getEncoded());
    ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
    ECPrivateKey sec1 =
        new ECPrivateKey(256, inner.getKey(), info.getPrivateKeyAlgorithm().getParameters());
    String pem =
        "-----BEGIN EC PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(sec1.getEncoded())
            + "\n-----END EC PRIVATE KEY-----\n";
    var decoded = (java.security.interfaces.ECPrivateKey) Pem.decodePrivateKey(pem);
    assertThat(decoded.getS())
        .isEqualTo(((java.security.interfaces.ECPrivateKey) ec.getPrivate()).getS());
    assertThat(Keys.matches(decoded, ec.getPublic())).isTrue();
  }
}
