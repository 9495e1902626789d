package io.baton.ca;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A certificate just issued by {@link CertificateIssuer} or an external CA: the leaf, the chain
 * (leaf first, then the root), the chain as PEM, its expiry and its serial in lowercase hex. All
 * public data.
 */
public record IssuedCertificate(
    X509Certificate certificate,
    List<X509Certificate> chain,
    String chainPem,
    Instant notAfter,
    String serialHex) {
  public IssuedCertificate {
    Objects.requireNonNull(certificate, "certificate");
    chain = List.copyOf(chain);
    Objects.requireNonNull(chainPem, "chainPem");
    Objects.requireNonNull(notAfter, "notAfter");
    Objects.requireNonNull(serialHex, "serialHex");
  }
}
