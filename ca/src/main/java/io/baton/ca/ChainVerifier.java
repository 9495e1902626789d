package io.baton.ca;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * PKIX verification of a presented chain (leaf first) against a set of root certificates at an
 * injected instant, with revocation checking off (baton revokes by denylist, not CRL/OCSP).
 *
 * <p>Peers may append their root, intermediates or, during root rotation, a cross-signed root; each
 * prefix of the chain is tried as the path, so any of those shapes verifies if some prefix leads to
 * a trusted root. The chain length is capped to bound the work an untrusted peer causes.
 */
final class ChainVerifier {
  static final int MAX_CHAIN_LENGTH = 5;

  private ChainVerifier() {}

  /** Returns the root that anchors {@code chain}; throws with a clear message otherwise. */
  static X509Certificate verify(
      X509Certificate[] chain, Collection<X509Certificate> roots, Instant at)
      throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("peer presented no certificate");
    }
    if (chain.length > MAX_CHAIN_LENGTH) {
      throw new CertificateException("peer certificate chain is longer than " + MAX_CHAIN_LENGTH);
    }
    checkValidity(chain[0], "peer certificate", at);
    Set<TrustAnchor> anchors = new HashSet<>();
    for (X509Certificate root : roots) {
      anchors.add(new TrustAnchor(root, null));
    }
    CertificateException failure = null;
    for (int length = 1; length <= chain.length; length++) {
      if (length > 1 && roots.contains(chain[length - 1])) {
        continue;
      }
      try {
        X509Certificate root = validate(Arrays.asList(chain).subList(0, length), anchors, at);
        checkValidity(root, "trusted root CA", at);
        return root;
      } catch (CertificateException e) {
        failure = failure == null ? e : failure;
      }
    }
    throw failure;
  }

  private static X509Certificate validate(
      List<X509Certificate> path, Set<TrustAnchor> anchors, Instant at)
      throws CertificateException {
    try {
      CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(at));
      var result =
          (PKIXCertPathValidatorResult)
              CertPathValidator.getInstance("PKIX").validate(certPath, params);
      return result.getTrustAnchor().getTrustedCert();
    } catch (CertPathValidatorException e) {
      if (e.getReason() == CertPathValidatorException.BasicReason.EXPIRED
          || e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
        throw new CertificateException(
            "a certificate in the peer's chain is outside its validity period");
      }
      throw new CertificateException(
          "peer certificate chain is not signed by a trusted root CA of this cluster");
    } catch (GeneralSecurityException e) {
      throw new CertificateException("peer certificate chain cannot be verified", e);
    }
  }

  private static void checkValidity(X509Certificate cert, String what, Instant at)
      throws CertificateException {
    try {
      cert.checkValidity(Date.from(at));
    } catch (CertificateExpiredException e) {
      throw new CertificateExpiredException(
          what + " expired at " + cert.getNotAfter().toInstant() + " (now " + at + ")");
    } catch (CertificateNotYetValidException e) {
      throw new CertificateNotYetValidException(
          what + " is not valid before " + cert.getNotBefore().toInstant() + " (now " + at + ")");
    }
  }

  /** True if {@code cert} is a self-signed CA certificate. */
  static boolean isSelfSignedCa(X509Certificate cert) {
    if (cert.getBasicConstraints() < 0
        || !cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
      return false;
    }
    try {
      cert.verify(cert.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** Requires the leaf's extended key usage to include {@code purposeOid}. */
  static void requireKeyPurpose(X509Certificate leaf, String purposeOid, String purposeName)
      throws CertificateException {
    List<String> purposes = leaf.getExtendedKeyUsage();
    if (purposes == null || !purposes.contains(purposeOid)) {
      throw new CertificateException("peer certificate is not valid for " + purposeName);
    }
  }
}
