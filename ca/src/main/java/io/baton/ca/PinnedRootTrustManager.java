package io.baton.ca;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Client-side trust for the join bootstrap, before the node trusts anything: the server must
 * present, in its chain, a self-signed CA whose {@link CaDigest} equals the join token's digest;
 * the chain must verify against that root (PKIX, time from the injected clock); and the leaf must
 * be a manager certificate valid for server authentication. Otherwise the handshake fails before
 * any request byte (and so the token) is sent: a man in the middle cannot learn the token.
 *
 * <p>After a successful handshake {@link #pinnedRoot()} returns the matched root, which the joiner
 * then stores as its trust. Use one instance per join attempt. Host names are not checked.
 */
public final class PinnedRootTrustManager extends EngineIndependentTrustManager {
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

  private final String expectedCaDigest;
  private final Clock clock;
  private final AtomicReference<X509Certificate> pinned = new AtomicReference<>();

  public PinnedRootTrustManager(String expectedCaDigest, Clock clock) {
    if (!CaDigest.isWellFormed(expectedCaDigest)) {
      throw new IllegalArgumentException(
          "expected CA digest must be 50 lowercase base36 characters");
    }
    this.expectedCaDigest = expectedCaDigest;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The root that matched the digest in the last successful handshake. */
  public Optional<X509Certificate> pinnedRoot() {
    return Optional.ofNullable(pinned.get());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    X509Certificate root = matchingRoot(chain);
    ChainVerifier.verify(chain, List.of(root), clock.instant());
    NodeIdentity identity;
    try {
      identity = NodeIdentity.fromCertificate(chain[0]);
    } catch (CertificateIdentityException e) {
      throw new CertificateException("remote certificate names no node: " + e.getMessage());
    }
    if (identity.role() != Role.MANAGER) {
      throw new CertificateException("remote certificate is not a manager certificate");
    }
    ChainVerifier.requireKeyPurpose(chain[0], SERVER_AUTH, "server authentication");
    pinned.set(root);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("a pinned-root trust manager only verifies servers");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return NO_ISSUERS;
  }

  private X509Certificate matchingRoot(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("remote presented no certificate");
    }
    if (chain.length > ChainVerifier.MAX_CHAIN_LENGTH) {
      throw new CertificateException("remote certificate chain is too long");
    }
    for (X509Certificate cert : chain) {
      if (ChainVerifier.isSelfSignedCa(cert) && CaDigest.of(cert).equals(expectedCaDigest)) {
        return cert;
      }
    }
    throw new CertificateException("remote CA does not match the join token's digest");
  }
}
