package io.baton.ca;

import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * Signs node certificates from CSRs with the root CA. Identity is assigned, not requested: the
 * caller decides the {@link NodeIdentity} (after checking a join token or the caller's current
 * certificate) and everything in the CSR except its public key is ignored.
 *
 * <p>Issued certificates: subject {@code CN=<nodeId>, OU=<role>, O=<clusterId>}; DNS SANs the
 * role's OU and the node id (so managers, and only managers, carry {@link Role#MANAGER_SAN}); EKU
 * serverAuth+clientAuth; key usage digitalSignature (critical); not a CA; AKI/SKI; a random 20-byte
 * serial; NotBefore {@code now - min(1h, validity/4)} to tolerate clock skew; NotAfter {@code now +
 * validity}, with now truncated to whole seconds as X.509 requires. See {@link Csr} for what a CSR
 * must satisfy. Thread-safe.
 */
public final class CertificateIssuer {
  private static final Duration MAX_BACKDATE = Duration.ofHours(1);
  private static final Duration MIN_VALIDITY = Duration.ofSeconds(1);

  private final Clock clock;
  private final SecureRandom rnd;

  public CertificateIssuer(Clock clock, SecureRandom rnd) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.rnd = Objects.requireNonNull(rnd, "rnd");
  }

  /**
   * Issues a certificate for {@code identity} over the CSR's public key.
   *
   * @param validity at least one second (the one-hour policy minimum is the caller's to enforce)
   * @throws CsrRejectedException if the CSR is too large, malformed, badly signed or has a weak key
   */
  public IssuedCertificate issue(
      RootCa root, String csrPem, NodeIdentity identity, Duration validity)
      throws CsrRejectedException {
    return issue(root, List.of(root.certificate()), csrPem, identity, validity);
  }

  /**
   * {@link #issue(RootCa, String, NodeIdentity, Duration)} signed by {@code root}, with {@code
   * chainTail} after the leaf in the returned chain instead of the root: during a root rotation,
   * the cross-signed new root and the old root, so that nodes trusting only the old root accept it.
   */
  public IssuedCertificate issue(
      RootCa root,
      List<X509Certificate> chainTail,
      String csrPem,
      NodeIdentity identity,
      Duration validity)
      throws CsrRejectedException {
    Objects.requireNonNull(root, "root");
    if (chainTail.isEmpty()) {
      throw new IllegalArgumentException("the chain must end with a root after the leaf");
    }
    Objects.requireNonNull(identity, "identity");
    if (validity == null || validity.compareTo(MIN_VALIDITY) < 0) {
      throw new IllegalArgumentException("certificate validity must be at least 1 second");
    }
    PublicKey subjectKey = Csr.admittedKey(Csr.parse(csrPem));
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Duration backdate = min(MAX_BACKDATE, validity.dividedBy(4));
    Instant notAfter = now.plus(validity);
    BigInteger serial = Certificates.randomSerial(rnd);
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            root.certificate(),
            serial,
            Date.from(now.minus(backdate)),
            Date.from(notAfter),
            Certificates.subject(identity.nodeId(), identity.role().ou(), identity.clusterId()),
            subjectKey);
    addExtensions(builder, root.certificate(), subjectKey, identity);
    X509Certificate leaf = Certificates.toX509(builder.build(Keys.signer(root.key(), rnd)));
    List<X509Certificate> chain = new java.util.ArrayList<>(List.of(leaf));
    chain.addAll(chainTail);
    return new IssuedCertificate(
        leaf,
        chain,
        Pem.encodeCertificates(chain),
        leaf.getNotAfter().toInstant(),
        Certificates.serialHex(serial));
  }

  /** SHA-256 of the DER of the parsed CSR (the key by which a requester asks for its status). */
  public static byte[] csrSha256(String csrPem) throws CsrRejectedException {
    try {
      return MessageDigest.getInstance("SHA-256").digest(Csr.parse(csrPem).getEncoded());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    } catch (IOException e) {
      throw new CsrRejectedException("CSR is not a PEM PKCS#10 request");
    }
  }

  private static void addExtensions(
      X509v3CertificateBuilder builder,
      X509Certificate issuer,
      PublicKey subjectKey,
      NodeIdentity identity) {
    GeneralName[] names =
        dnsNames(identity).stream()
            .map(n -> new GeneralName(GeneralName.dNSName, n))
            .toArray(GeneralName[]::new);
    JcaX509ExtensionUtils utils = Certificates.extensionUtils();
    try {
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(
              Extension.extendedKeyUsage,
              false,
              new ExtendedKeyUsage(
                  new KeyPurposeId[] {
                    KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                  }))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names))
          .addExtension(
              Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey))
          .addExtension(
              Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(issuer));
    } catch (CertIOException | CertificateEncodingException e) {
      throw new IllegalStateException("cannot encode certificate extensions", e);
    }
  }

  /**
   * The DNS SANs of {@code identity}'s certificates: the role's OU, the node id, and for managers
   * {@link Role#MANAGER_SAN}.
   */
  static Set<String> dnsNames(NodeIdentity identity) {
    Set<String> dnsNames = new LinkedHashSet<>();
    dnsNames.add(identity.role().ou());
    dnsNames.add(identity.nodeId());
    if (identity.role() == Role.MANAGER) {
      dnsNames.add(Role.MANAGER_SAN);
    }
    return dnsNames;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
