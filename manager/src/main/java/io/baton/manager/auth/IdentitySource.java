package io.baton.manager.auth;

import io.baton.ca.CertificateIdentityException;
import io.baton.ca.NodeIdentity;
import io.grpc.Grpc;
import io.grpc.ServerCall;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Where a server learns the caller's node identity from.
 *
 * <p>For TCP listeners it is the client certificate that the TLS handshake already verified against
 * the cluster roots ({@code ClusterTrustManager}); for the local control socket it is the node's own
 * identity, because only processes that can open the 0600 socket in the node's state dir get there.
 */
public sealed interface IdentitySource {

  /**
   * The identity of the peer, or empty if it presented no certificate.
   *
   * @throws UnauthenticatedException if a certificate is present but unusable (expired since the
   *     handshake, unparseable subject)
   */
  Optional<NodeIdentity> identify(ServerCall<?, ?> call, Instant now) throws UnauthenticatedException;

  /** Identity from the verified TLS client certificate. */
  record TlsPeer() implements IdentitySource {
    @Override
    public Optional<NodeIdentity> identify(ServerCall<?, ?> call, Instant now)
        throws UnauthenticatedException {
      SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
      if (session == null) {
        throw new UnauthenticatedException("connection is not TLS");
      }
      Certificate[] peer;
      try {
        peer = session.getPeerCertificates();
      } catch (SSLPeerUnverifiedException e) {
        return Optional.empty();
      }
      if (peer.length == 0 || !(peer[0] instanceof X509Certificate leaf)) {
        return Optional.empty();
      }
      if (now.isAfter(leaf.getNotAfter().toInstant())) {
        throw new UnauthenticatedException("client certificate has expired; renew it or rejoin");
      }
      try {
        return Optional.of(NodeIdentity.fromCertificate(leaf));
      } catch (CertificateIdentityException e) {
        throw new UnauthenticatedException("client certificate is not a baton node certificate");
      }
    }
  }

  /** The node's own identity, for calls arriving through its local control socket. */
  record Local(java.util.function.Supplier<NodeIdentity> self) implements IdentitySource {
    @Override
    public Optional<NodeIdentity> identify(ServerCall<?, ?> call, Instant now) {
      return Optional.of(self.get());
    }
  }

  /** The peer's certificate cannot identify it. */
  final class UnauthenticatedException extends Exception {
    private static final long serialVersionUID = 1L;

    public UnauthenticatedException(String message) {
      super(message);
    }
  }
}
