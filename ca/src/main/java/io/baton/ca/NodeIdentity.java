package io.baton.ca;

import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * Who a certificate speaks for: {@code CN=<nodeId>, OU=<role>, O=<clusterId>}.
 *
 * <p>Read this only from a certificate whose chain has been verified against the cluster's roots;
 * the subject of an unverified certificate is attacker-controlled. The node id must be a DNS label
 * of lowercase letters, digits and dashes (it is also a DNS SAN); the cluster id 1–64 characters of
 * {@code [0-9A-Za-z._-]}.
 */
public record NodeIdentity(String nodeId, Role role, String clusterId) {
  private static final Pattern NODE_ID = Pattern.compile("[0-9a-z]([0-9a-z-]{0,61}[0-9a-z])?");
  private static final Pattern CLUSTER_ID = Pattern.compile("[0-9A-Za-z._-]{1,64}");

  public NodeIdentity {
    Objects.requireNonNull(role, "role");
    if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
      throw new IllegalArgumentException("node id must be a lowercase DNS label");
    }
    if (clusterId == null || !CLUSTER_ID.matcher(clusterId).matches()) {
      throw new IllegalArgumentException("cluster id must be 1-64 characters of [0-9A-Za-z._-]");
    }
  }

  /** The identity named by {@code cert}'s subject; see the class comment for what is required. */
  public static NodeIdentity fromCertificate(X509Certificate cert)
      throws CertificateIdentityException {
    X500Name subject;
    try {
      subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
    } catch (RuntimeException e) {
      throw new CertificateIdentityException("certificate subject cannot be parsed");
    }
    String cn = single(subject, BCStyle.CN, "CN");
    String ou = single(subject, BCStyle.OU, "OU");
    String o = single(subject, BCStyle.O, "O");
    Role role =
        Role.fromOu(ou)
            .orElseThrow(() -> new CertificateIdentityException("certificate OU is not a role"));
    try {
      return new NodeIdentity(cn, role, o);
    } catch (IllegalArgumentException e) {
      throw new CertificateIdentityException("certificate subject: " + e.getMessage());
    }
  }

  private static String single(X500Name name, ASN1ObjectIdentifier type, String label)
      throws CertificateIdentityException {
    RDN[] rdns = name.getRDNs(type);
    if (rdns.length == 0) {
      throw new CertificateIdentityException("certificate subject has no " + label);
    }
    if (rdns.length > 1 || rdns[0].isMultiValued()) {
      throw new CertificateIdentityException("certificate subject has more than one " + label);
    }
    if (!(rdns[0].getFirst().getValue() instanceof ASN1String value)) {
      throw new CertificateIdentityException("certificate subject " + label + " is not a string");
    }
    return value.getString();
  }
}
