package io.baton.ca;

import io.grpc.util.AdvancedTlsX509KeyManager;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The node's TLS key manager, hot-swappable for certificate renewal without dropping connections.
 *
 * <p>Wraps grpc-util's {@link AdvancedTlsX509KeyManager}, which gives each generation a fresh alias
 * (so no alias-keyed cache can hand out a stale key) and keeps the previous generation for
 * handshakes already in flight. After {@link #update} the next handshake presents the new
 * certificate; established connections keep theirs. The presented chain must include the root after
 * the leaf, because joiners pin the root from the handshake; this is enforced.
 */
public final class NodeKeyManager {
  private final AdvancedTlsX509KeyManager delegate = new AdvancedTlsX509KeyManager();
  private volatile Credentials current;

  public NodeKeyManager(Credentials initial) {
    update(initial);
  }

  /**
   * Makes {@code next} the identity of future handshakes.
   *
   * @throws IllegalArgumentException if the chain has only the leaf
   */
  public synchronized void update(Credentials next) {
    Objects.requireNonNull(next, "credentials");
    if (next.chain().size() < 2) {
      throw new IllegalArgumentException("certificate chain must include the root after the leaf");
    }
    delegate.updateIdentityCredentials(next.chain().toArray(X509Certificate[]::new), next.key());
    current = next;
  }

  /** The credentials presented by new handshakes. */
  public Credentials current() {
    return current;
  }

  /** The key manager to give to {@link TlsContexts}; always reflects the latest {@link #update}. */
  public X509ExtendedKeyManager keyManager() {
    return delegate;
  }
}
