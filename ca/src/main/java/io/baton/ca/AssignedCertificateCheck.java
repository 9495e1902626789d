package io.baton.ca;

import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;

/**
 * Checks that a certificate someone else signed is exactly the one baton asked for, before baton
 * hands it out: an external CA may ignore parts of the request (old CFSSL versions copy subject
 * attributes from the CSR) or be configured more loosely than baton's own issuer.
 *
 * <p>Required: the CSR's public key; subject exactly {@code CN=<node id>, OU=<role>, O=<cluster
 * id>} and nothing else; DNS SANs exactly those {@link CertificateIssuer} gives and no other names;
 * not a CA; key usage digitalSignature (keyEncipherment tolerated) and no certificate or CRL
 * signing; extended key usage exactly serverAuth and clientAuth; valid now and for no longer than
 * {@code validity} (5 minutes of clock skew tolerated either way; shorter is accepted, nodes renew
 * at 50-80 % of what they get); and a PKIX chain from the leaf directly to the cluster root.
 * Messages never echo the certificate's attributes, which a requester's CSR may have chosen.
 */
final class AssignedCertificateCheck {
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final int DNS_NAME = 2;
  private static final int DIGITAL_SIGNATURE = 0;
  private static final int KEY_ENCIPHERMENT = 2;

  private AssignedCertificateCheck() {}

  static void verify(
      X509Certificate leaf,
      PublicKey requestedKey,
      NodeIdentity identity,
      Duration validity,
      X509Certificate root,
      Instant now)
      throws CertificateException {
    if (!leaf.getPublicKey().equals(requestedKey)) {
      throw new CertificateException("it certifies another public key than the CSR's");
    }
    checkSubject(leaf, identity);
    checkNames(leaf, identity);
    checkUsage(leaf);
    checkValidity(leaf, validity, now);
    ChainVerifier.verify(new X509Certificate[] {leaf}, List.of(root), now);
  }

  private static void checkSubject(X509Certificate leaf, NodeIdentity identity)
      throws CertificateException {
    NodeIdentity named;
    try {
      named = NodeIdentity.fromCertificate(leaf);
    } catch (CertificateIdentityException e) {
      throw new CertificateException("its subject is not baton's assignment: " + e.getMessage());
    }
    if (!named.equals(identity)) {
      throw new CertificateException("its subject names another node, role or cluster than baton assigned");
    }
    int attributes = X500Name.getInstance(leaf.getSubjectX500Principal().getEncoded()).getRDNs().length;
    if (attributes != 3) {
      throw new CertificateException("its subject has attributes besides CN, OU and O"
          + " (does the signing profile copy the CSR's subject?)");
    }
  }

  private static void checkNames(X509Certificate leaf, NodeIdentity identity)
      throws CertificateException {
    Collection<List<?>> names;
    try {
      names = leaf.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new CertificateException("its subject alternative names cannot be parsed");
    }
    Set<String> dns = new HashSet<>();
    for (List<?> name : names == null ? List.<List<?>>of() : names) {
      if (!(name.get(0) instanceof Integer type) || type != DNS_NAME) {
        throw new CertificateException("it carries subject alternative names other than DNS names");
      }
      dns.add((String) name.get(1));
    }
    if (!dns.equals(CertificateIssuer.dnsNames(identity))) {
      throw new CertificateException("its DNS names are not the role and node id baton assigned");
    }
  }

  private static void checkUsage(X509Certificate leaf) throws CertificateException {
    if (leaf.getBasicConstraints() >= 0) {
      throw new CertificateException("it is a CA certificate");
    }
    boolean[] usage = leaf.getKeyUsage();
    if (usage == null || !usage[DIGITAL_SIGNATURE]) {
      throw new CertificateException("its key usage lacks digitalSignature");
    }
    for (int bit = 0; bit < usage.length; bit++) {
      if (usage[bit] && bit != DIGITAL_SIGNATURE && bit != KEY_ENCIPHERMENT) {
        throw new CertificateException("its key usage allows more than digitalSignature and keyEncipherment");
      }
    }
    List<String> purposes;
    try {
      purposes = leaf.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      throw new CertificateException("its extended key usage cannot be parsed");
    }
    if (purposes == null || !Set.copyOf(purposes).equals(Set.of(SERVER_AUTH, CLIENT_AUTH))) {
      throw new CertificateException("its extended key usage is not exactly server auth and client auth");
    }
  }

  private static void checkValidity(X509Certificate leaf, Duration validity, Instant now)
      throws CertificateException {
    Instant notBefore = leaf.getNotBefore().toInstant();
    Instant notAfter = leaf.getNotAfter().toInstant();
    if (notBefore.isAfter(now.plus(CLOCK_SKEW)) || !notAfter.isAfter(now)) {
      throw new CertificateException("it is not valid now (valid " + notBefore + " to " + notAfter + ")");
    }
    if (notAfter.isAfter(now.plus(validity).plus(CLOCK_SKEW))) {
      throw new CertificateException("it is valid until " + notAfter + ", longer than the cluster's node"
          + " certificate expiry of " + validity.toString().substring(2).toLowerCase(java.util.Locale.ROOT)
          + " allows; set the CFSSL signing profile's"
          + " expiry to at most that");
    }
  }
}
