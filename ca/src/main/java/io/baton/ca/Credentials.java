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

  @Override
  public String toString() {
    return "Credentials[leaf=" + leaf().getSubjectX500Principal() + ", chain=" + chain.size() + "]";
  }
}
