package io.baton.ca;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * Trusts peers holding a certificate of this cluster: the chain must verify (PKIX, revocation off,
 * time from the injected clock) against the current root set, the leaf must name a {@link
 * NodeIdentity} whose cluster id is this cluster's, and its EKU must allow the peer's side of the
 * connection. A server we connect to must additionally be a {@link Role#MANAGER}; the {@link
 * #managersOnly()} variant (for the Raft port) requires a manager on the client side too.
 *
 * <p>The root set can be swapped at runtime ({@link #updateRoots}) for CA rotation; the next
 * handshake uses the new set. Variants made by {@link #managersOnly()} and {@link #admitting} share
 * the root set with the instance they were made from. This class does not check host names: the
 * manager-role check replaces them (see {@link TlsContexts}). It knows nothing of the store; the
 * denylist is checked per RPC by callers, and {@link #admitting} adds a per-handshake check (e.g.
 * for the Raft port: the peer is a manager in the store and not denylisted). The {@code authType}
 * arguments are ignored.
 */
public final class ClusterTrustManager extends EngineIndependentTrustManager {
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private final String clusterId;
  private final AtomicReference<List<X509Certificate>> roots;
  private final Clock clock;
  private final boolean managerClientsOnly;
  private final Predicate<NodeIdentity> admission;

  public ClusterTrustManager(String clusterId, List<X509Certificate> roots, Clock clock) {
    this(clusterId, new AtomicReference<>(checkedRoots(roots)), clock, false, identity -> true);
  }

  private ClusterTrustManager(
      String clusterId,
      AtomicReference<List<X509Certificate>> roots,
      Clock clock,
      boolean managerClientsOnly,
      Predicate<NodeIdentity> admission) {
    this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
    this.roots = roots;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.managerClientsOnly = managerClientsOnly;
    this.admission = admission;
  }

  /** A variant whose client check also requires a manager certificate; shares the root set. */
  public ClusterTrustManager managersOnly() {
    return new ClusterTrustManager(clusterId, roots, clock, true, admission);
  }

  /**
   * A variant that, after all other checks, also requires {@code admitted} to accept the peer's
   * verified identity (on both sides); shares the root set. The predicate runs inside the TLS
   * handshake on a network thread: it must be fast, non-blocking and must not throw.
   */
  public ClusterTrustManager admitting(Predicate<NodeIdentity> admitted) {
    Objects.requireNonNull(admitted, "admitted");
    return new ClusterTrustManager(
        clusterId, roots, clock, managerClientsOnly, admission.and(admitted));
  }

  /** Replaces the trusted roots (e.g. old and new root during rotation); at least one CA. */
  public void updateRoots(List<X509Certificate> next) {
    roots.set(checkedRoots(next));
  }

  /** The currently trusted roots. */
  public List<X509Certificate> roots() {
    return roots.get();
  }

  /** The cluster whose certificates this trusts. */
  public String clusterId() {
    return clusterId;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    NodeIdentity identity = verify(chain, CLIENT_AUTH, "client authentication");
    if (managerClientsOnly && identity.role() != Role.MANAGER) {
      throw new CertificateException("peer is not a manager: only managers may connect here");
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    NodeIdentity identity = verify(chain, SERVER_AUTH, "server authentication");
    if (identity.role() != Role.MANAGER) {
      throw new CertificateException("server is not a manager of this cluster");
    }
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return roots.get().toArray(X509Certificate[]::new);
  }

  private NodeIdentity verify(X509Certificate[] chain, String purposeOid, String purposeName)
      throws CertificateException {
    ChainVerifier.verify(chain, roots.get(), clock.instant());
    NodeIdentity identity;
    try {
      identity = NodeIdentity.fromCertificate(chain[0]);
    } catch (CertificateIdentityException e) {
      throw new CertificateException("peer certificate names no node: " + e.getMessage());
    }
    if (!identity.clusterId().equals(clusterId)) {
      throw new CertificateException("peer certificate belongs to another cluster");
    }
    ChainVerifier.requireKeyPurpose(chain[0], purposeOid, purposeName);
    if (!admission.test(identity)) {
      throw new CertificateException("peer node " + identity.nodeId() + " is not admitted");
    }
    return identity;
  }

  private static List<X509Certificate> checkedRoots(List<X509Certificate> roots) {
    List<X509Certificate> copy = List.copyOf(roots);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("at least one root CA certificate is required");
    }
    for (X509Certificate root : copy) {
      if (root.getBasicConstraints() < 0) {
        throw new IllegalArgumentException("trusted root is not a CA certificate");
      }
    }
    return copy;
  }
}
