package io.baton.ca;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * The cluster's root CA: a self-signed certificate and its private key.
 *
 * <p>Created roots are ECDSA P-256, {@code CN=baton-root-ca, O=<clusterId>}, valid 20 years from
 * one hour before creation, CA with path length 1, key usage keyCertSign|cRLSign, with a subject
 * key identifier. The key must stay on managers (encrypted at rest with autolock); {@link
 * #toString()} omits it and only {@link #keyPem()} exports it.
 */
public record RootCa(X509Certificate certificate, PrivateKey key) {
  /** Common name of roots created by baton. */
  public static final String COMMON_NAME = "baton-root-ca";

  private static final int VALIDITY_YEARS = 20;
  private static final Duration BACKDATE = Duration.ofHours(1);
  private static final int PATH_LENGTH = 1;

  public RootCa {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(key, "key");
  }

  /** A new self-signed root for {@code clusterId}. */
  public static RootCa create(String clusterId, Clock clock, SecureRandom rnd) {
    KeyPair keys = Keys.newEcP256(rnd);
    Instant now = clock.instant();
    Instant notAfter = now.atZone(ZoneOffset.UTC).plusYears(VALIDITY_YEARS).toInstant();
    var subject = Certificates.subject(COMMON_NAME, null, clusterId);
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            subject,
            Certificates.randomSerial(rnd),
            Date.from(now.minus(BACKDATE)),
            Date.from(notAfter),
            subject,
            keys.getPublic());
    addCaExtensions(builder, keys.getPublic(), null);
    X509Certificate cert = Certificates.toX509(builder.build(Keys.signer(keys.getPrivate(), rnd)));
    return new RootCa(cert, keys.getPrivate());
  }

  /**
   * Certifies {@code next}'s subject and key with this root: the cross-signed certificate of a root
   * rotation. A leaf signed by {@code next} then verifies against this root too, through the
   * returned certificate as an intermediate. Same subject, validity and CA extensions as {@code
   * next}; its authority key identifier names this root.
   */
  public X509Certificate crossSign(RootCa next, SecureRandom rnd) {
    X509Certificate target = next.certificate();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            certificate,
            Certificates.randomSerial(rnd),
            target.getNotBefore(),
            target.getNotAfter(),
            target.getSubjectX500Principal(),
            target.getPublicKey());
    addCaExtensions(builder, target.getPublicKey(), certificate);
    return Certificates.toX509(builder.build(Keys.signer(key, rnd)));
  }

  private static void addCaExtensions(
      X509v3CertificateBuilder builder, PublicKey subjectKey, X509Certificate issuerOrNull) {
    var utils = Certificates.extensionUtils();
    try {
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(PATH_LENGTH))
          .addExtension(
              Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(
              Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
      if (issuerOrNull != null) {
        builder.addExtension(
            Extension.authorityKeyIdentifier,
            false,
            utils.createAuthorityKeyIdentifier(issuerOrNull));
      }
    } catch (CertIOException | CertificateEncodingException e) {
      throw new IllegalStateException("cannot encode CA extensions", e);
    }
  }

  /**
   * Loads a root from PEM: exactly one CA certificate and the private key that belongs to it.
   *
   * @throws GeneralSecurityException if either does not parse, the certificate is not a CA, or the
   *     key does not match the certificate
   */
  public static RootCa fromPem(String certPem, String keyPem) throws GeneralSecurityException {
    List<X509Certificate> certs = Pem.decodeCertificates(certPem);
    if (certs.size() != 1) {
      throw new CertificateException("root CA PEM must hold exactly one certificate");
    }
    X509Certificate cert = certs.get(0);
    if (cert.getBasicConstraints() < 0) {
      throw new CertificateException("root CA certificate is not a CA certificate");
    }
    PrivateKey key = Pem.decodePrivateKey(keyPem);
    if (!Keys.matches(key, cert.getPublicKey())) {
      throw new InvalidKeyException("root CA key does not match the root CA certificate");
    }
    return new RootCa(cert, key);
  }

  /** The digest that join tokens carry for this root. */
  public String digest() {
    return CaDigest.of(certificate);
  }

  /** The certificate as PEM (public). */
  public String certificatePem() {
    return Pem.encodeCertificates(List.of(certificate));
  }

  /** The private key as unencrypted PKCS#8 PEM; protect the result. */
  public String keyPem() {
    return Pem.encodePrivateKey(key);
  }

  /** Serial of the root certificate in lowercase hex. */
  public String serialHex() {
    return Certificates.serialHex(certificate.getSerialNumber());
  }

  @Override
  public String toString() {
    return "RootCa[" + certificate.getSubjectX500Principal() + ", digest=" + digest() + "]";
  }
}
