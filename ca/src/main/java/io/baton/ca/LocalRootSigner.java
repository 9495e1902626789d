package io.baton.ca;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Signs with a root key this process holds (the cluster's own root, kept in the store).
 *
 * @param rootCa the root that signs: during a root rotation, the new root
 * @param chainTail what follows the leaf in every returned chain: the signing root itself, or during
 *     a rotation the cross-signed new root and the old root
 */
public record LocalRootSigner(CertificateIssuer issuer, RootCa rootCa, List<X509Certificate> chainTail)
    implements NodeCertificateSigner {
  public LocalRootSigner {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(rootCa, "rootCa");
    chainTail = List.copyOf(chainTail);
  }

  /** A signer whose chains end with {@code rootCa} itself (no rotation in progress). */
  public LocalRootSigner(CertificateIssuer issuer, RootCa rootCa) {
    this(issuer, rootCa, List.of(rootCa.certificate()));
  }

  @Override
  public X509Certificate root() {
    return rootCa.certificate();
  }

  @Override
  public IssuedCertificate sign(String csrPem, NodeIdentity identity, Duration validity)
      throws CsrRejectedException {
    return issuer.issue(rootCa, chainTail, csrPem, identity, validity);
  }
}
