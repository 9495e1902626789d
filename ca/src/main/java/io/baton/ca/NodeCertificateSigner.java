package io.baton.ca;

import java.security.cert.X509Certificate;
import java.time.Duration;

/**
 * Who signs the node certificates of a cluster: the managers themselves with the root key in the
 * store ({@link LocalRootSigner}), or an operator's CFSSL server that holds the root key instead
 * ({@link CfsslSigner}).
 *
 * <p>Either way baton decides the identity: the caller checks the join token or the caller's own
 * certificate and passes the {@link NodeIdentity}; the CSR is admitted by the same rules ({@link
 * Csr}) and contributes only its public key. Every returned certificate has been checked to carry
 * exactly that identity and to chain to {@link #root()}, so a caller may hand it out as is.
 * Implementations are thread-safe.
 */
public sealed interface NodeCertificateSigner permits LocalRootSigner, CfsslSigner {
  /** The cluster's root CA certificate: every certificate this signer returns chains to it. */
  X509Certificate root();

  /**
   * Issues a certificate for {@code identity} over the CSR's public key, valid for at most {@code
   * validity}.
   *
   * @throws CsrRejectedException if the CSR is too large, malformed, badly signed or has a weak key
   *     (checked before anything leaves this process)
   * @throws ExternalCaException if an external CA cannot be reached, refuses, or returns a
   *     certificate that is not exactly what baton asked for
   */
  IssuedCertificate sign(String csrPem, NodeIdentity identity, Duration validity)
      throws CsrRejectedException, ExternalCaException;
}
