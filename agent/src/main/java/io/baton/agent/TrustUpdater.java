package io.baton.agent;

import io.baton.ca.ClusterTrustManager;
import io.baton.ca.Credentials;
import io.baton.ca.NodeKeyManager;
import io.baton.ca.Pem;
import java.io.IOException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the trusted roots the managers push (a root rotation adds the new root, then drops the
 * old one) to the node's live trust manager, which every gRPC channel, the manager listener and the
 * Raft port share, so the next handshake uses them; open connections keep going. The presented chain
 * follows (see {@link Credentials#presentedWith}).
 *
 * <p>A set is accepted only if it anchors the node's own certificate: a manager cannot cut a node
 * off by pushing roots it is not on, and a node never drops the root of the certificate it holds.
 * The roots are written to disk (by the sink) before they are used. Whoever else changes the key
 * manager's credentials must hold its monitor, as this class does, and present them with {@link
 * #present}.
 */
public final class TrustUpdater {
  private static final Logger log = LoggerFactory.getLogger(TrustUpdater.class);

  /** Persists the roots (root-ca.crt) and the chain presented with them (node.crt) before they take effect. */
  @FunctionalInterface
  public interface RootsSink {
    void save(List<X509Certificate> roots, List<X509Certificate> presentedChain) throws IOException;
  }

  private final ClusterTrustManager trust;
  private final NodeKeyManager keys;
  private final RootsSink sink;
  private final Clock clock;

  public TrustUpdater(ClusterTrustManager trust, NodeKeyManager keys, RootsSink sink, Clock clock) {
    this.trust = trust;
    this.keys = keys;
    this.sink = sink;
    this.clock = clock;
  }

  /**
   * Makes the roots in {@code pem} the trusted ones if they differ from the current set and anchor
   * this node's certificate; otherwise keeps the current set (and logs why).
   *
   * @return true if the trusted roots changed
   */
  public boolean apply(String pem) {
    if (pem.isEmpty()) {
      return false;
    }
    List<X509Certificate> next;
    try {
      next = Pem.decodeCertificates(pem);
    } catch (CertificateException e) {
      log.error("ignored unreadable trusted roots from the manager: {}", e.getMessage());
      return false;
    }
    synchronized (keys) {
      if (next.equals(trust.roots())) {
        return false;
      }
      Credentials presented;
      try {
        presented = keys.current().presentedWith(next);
        new ClusterTrustManager(trust.clusterId(), next, clock)
            .checkClientTrusted(presented.chain().toArray(X509Certificate[]::new), "");
      } catch (CertificateException | IllegalArgumentException e) {
        log.error("ignored trusted roots from the manager that do not anchor this node's certificate: {}",
            e.getMessage());
        return false;
      }
      try {
        sink.save(next, presented.chain());
      } catch (IOException e) {
        log.error("cannot save the trusted roots; keeping the current ones: {}", e.toString());
        return false;
      }
      trust.updateRoots(next);
      keys.update(presented);
      log.info("now trusting {} root CA certificate(s)", next.size());
      return true;
    }
  }

  /** {@code next} with the chain to present under the current roots. */
  public Credentials present(Credentials next) {
    return next.presentedWith(trust.roots());
  }
}
