package io.baton.ca;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates with arbitrary subjects signed by the given root, as an attacker or a bug might
 * make.
 */
final class RogueCertificates {
  private RogueCertificates() {}

  static X509Certificate signed(RootCa root, String subject, KeyPair subjectKeys) throws Exception {
    var builder =
        new JcaX509v3CertificateBuilder(
            root.certificate(),
            BigInteger.valueOf(System.nanoTime()),
            Date.from(TestPki.NOW.minus(Duration.ofHours(1))),
            Date.from(TestPki.NOW.plus(Duration.ofHours(1))),
            new X500Name(subject),
            subjectKeys.getPublic());
    builder.addExtension(
        Extension.extendedKeyUsage,
        false,
        new ExtendedKeyUsage(
            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    return new JcaX509CertificateConverter()
        .getCertificate(
            builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(root.key())));
  }
}
