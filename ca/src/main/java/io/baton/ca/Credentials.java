package io.baton.ca;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A node's TLS identity: its private key and its certificate chain, leaf first (then the root or
 * intermediates). The constructor checks that the key belongs to the leaf. The key never leaves the
 * node; {@link #toString()} omits it.
 */
public record Credentials(PrivateKey key, List<X509Certificate> chain) {
  public Credentials {
    Objects.requireNonNull(key, "key");
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("certificate chain is empty");
    }
    if (!Keys.matches(key, chain.get(0).getPublicKey())) {
      throw new IllegalArgumentException("private key does not match the leaf certificate");
    }
  }

  /** The node's own certificate. */
  public X509Certificate leaf() {
    return chain.get(0);
  }

  /**
   * The identity named by the leaf.
   *
   * @throws IllegalStateException if the leaf does not name a node identity
   */
  public NodeIdentity identity() {
    try {
      return NodeIdentity.fromCertificate(leaf());
    } catch (CertificateIdentityException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * The same key and leaf with the chain to present while trusting {@code roots}: the leaf, then
   * the intermediates of the current chain that one of {@code roots} signed (the cross-signed root
   * during a rotation), then {@code roots}. Every peer trusting any of {@code roots} can then build
   * a path, and joiners find the root their token pins. An intermediate whose issuer is no longer
   * trusted (the cross-signed root once the old root is dropped) is left out.
   */
  public Credentials presentedWith(List<X509Certificate> roots) {
    List<X509Certificate> next = new java.util.ArrayList<>(List.of(leaf()));
    for (X509Certificate cert : chain.subList(1, chain.size())) {
      if (!ChainVerifier.isSelfSignedCa(cert) && signedByAny(cert, roots) && !next.contains(cert)) {
        next.add(cert);
      }
    }
    next.addAll(roots);
    return new Credentials(key, next);
  }

  private static boolean signedByAny(X509Certificate cert, List<X509Certificate> roots) {
    for (X509Certificate root : roots) {
      try {
        cert.verify(root.getPublicKey());
        return true;
      } catch (java.security.GeneralSecurityException e) {
        // not this one
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "Credentials[leaf=" + leaf().getSubjectX500Principal() + ", chain=" + chain.size() + "]";
  }
}
