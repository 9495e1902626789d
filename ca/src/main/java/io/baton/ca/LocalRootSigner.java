package io.baton.ca;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Objects;

/** Signs with a root key this process holds (the cluster's own root, kept in the store). */
public record LocalRootSigner(CertificateIssuer issuer, RootCa rootCa) implements NodeCertificateSigner {
  public LocalRootSigner {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(rootCa, "rootCa");
  }

  @Override
  public X509Certificate root() {
    return rootCa.certificate();
  }

  @Override
  public IssuedCertificate sign(String csrPem, NodeIdentity identity, Duration validity)
      throws CsrRejectedException {
    return issuer.issue(rootCa, csrPem, identity, validity);
  }
}
