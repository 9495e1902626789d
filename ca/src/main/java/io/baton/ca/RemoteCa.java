package io.baton.ca;

import io.baton.api.CAGrpc;
import io.baton.api.GetRootCACertificateRequest;
import io.baton.api.IssuanceState;
import io.baton.api.IssueNodeCertificateRequest;
import io.baton.api.IssueNodeCertificateResponse;
import io.baton.api.NodeMembership;
import io.baton.api.NodeCertificateStatusRequest;
import io.baton.api.NodeCertificateStatusResponse;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The node side of the CA protocol: joining with a token and renewing over mutual TLS.
 *
 * <p>Joining never trusts the network: the channel's handshake is pinned to the root whose digest
 * the token names ({@link PinnedRootTrustManager}), so no request — not even the root CA fetch —
 * leaves the node before the server proved it holds a manager certificate of that exact root. The
 * private key is generated here and never sent.
 */
public final class RemoteCa {
  /** Per-call deadline; a manager that does not answer in this time is treated as unreachable. */
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  /** Polls for an issued certificate: the built-in CA signs at once, an external CA may take longer. */
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
  private static final Duration POLL_LIMIT = Duration.ofSeconds(60);

  private static final String CA_MISMATCH = "the manager's root CA does not match the join token: the token"
      + " belongs to another cluster or predates a root CA rotation (get a current one with 'baton join-token'),"
      + " or a man in the middle answered";

  private RemoteCa() {}

  /**
   * What a successful join gives the node.
   *
   * @param pending the cluster has join approval on: the node may do nothing but wait until an
   *     operator accepts it
   */
  public record Joined(Credentials credentials, X509Certificate root, NodeIdentity identity, boolean pending) {}

  /**
   * Joins the cluster at {@code managerAddress} with {@code token}.
   *
   * @throws StatusRuntimeException with a user-facing description on any failure (UNAVAILABLE for a
   *     wrong CA digest or an unreachable manager, INVALID_ARGUMENT for a refused token)
   */
  public static Joined join(String managerAddress, JoinToken token, Clock clock) {
    PinnedRootTrustManager pinned = new PinnedRootTrustManager(token.caDigest(), clock);
    try (ManagerChannels channels = new ManagerChannels(null, pinned)) {
      ManagedChannel channel = channels.get(managerAddress);
      X509Certificate root = fetchRoot(channel, token);
      KeyPair keys = NodeKeys.generate();
      String csr = NodeKeys.csrPem(keys);
      IssueNodeCertificateResponse issued = stub(channel).issueNodeCertificate(
          IssueNodeCertificateRequest.newBuilder().setCsrPem(csr).setToken(token.toString()).build());
      List<X509Certificate> chain = awaitCertificate(channel, issued.getNodeId(), csr);
      Credentials credentials = accept(keys, chain, root, issued.getNodeId(), clock);
      return new Joined(credentials, root, credentials.identity(),
          issued.getMembership() == NodeMembership.NODE_MEMBERSHIP_PENDING);
    }
  }

  /**
   * Obtains a new certificate for the node's own identity with a fresh key pair, over a channel
   * authenticated with its current certificate. The role is whatever the store says now.
   */
  public static Credentials renew(Channel channel, NodeIdentity self, List<X509Certificate> roots, Clock clock) {
    KeyPair keys = NodeKeys.generate();
    String csr = NodeKeys.csrPem(keys);
    IssueNodeCertificateResponse issued = stub(channel).issueNodeCertificate(
        IssueNodeCertificateRequest.newBuilder().setCsrPem(csr).build());
    if (!issued.getNodeId().equals(self.nodeId())) {
      throw Status.INTERNAL.withDescription("the CA renewed a different node id").asRuntimeException();
    }
    List<X509Certificate> chain = awaitCertificate(channel, self.nodeId(), csr);
    X509Certificate root = chain.get(chain.size() - 1);
    if (roots.stream().noneMatch(root::equals)) {
      throw Status.INTERNAL.withDescription("renewed certificate chains to an unknown root").asRuntimeException();
    }
    return accept(keys, chain, root, self.nodeId(), clock);
  }

  private static X509Certificate fetchRoot(Channel channel, JoinToken token) {
    String pem;
    try {
      pem = stub(channel).getRootCACertificate(GetRootCACertificateRequest.getDefaultInstance())
          .getCertificatePem();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNAVAILABLE && hasCertificateCause(e)) {
        throw Status.UNAVAILABLE
            .withDescription(CA_MISMATCH)
            .asRuntimeException();
      }
      throw e;
    }
    try {
      List<X509Certificate> certs = Pem.decodeCertificates(pem);
      X509Certificate root = certs.get(0);
      if (certs.size() != 1 || !CaDigest.of(root).equals(token.caDigest())) {
        throw Status.UNAVAILABLE
            .withDescription(CA_MISMATCH)
            .asRuntimeException();
      }
      return root;
    } catch (CertificateException e) {
      throw Status.UNAVAILABLE.withDescription("the manager sent an unreadable root CA").asRuntimeException();
    }
  }

  private static boolean hasCertificateCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException || t instanceof CertificateException) {
        return true;
      }
    }
    return false;
  }

  private static List<X509Certificate> awaitCertificate(Channel channel, String nodeId, String csrPem) {
    byte[] csrSha;
    try {
      csrSha = CertificateIssuer.csrSha256(csrPem);
    } catch (CsrRejectedException e) {
      throw Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException();
    }
    long deadline = System.nanoTime() + POLL_LIMIT.toNanos();
    while (true) {
      NodeCertificateStatusResponse status = stub(channel).nodeCertificateStatus(
          NodeCertificateStatusRequest.newBuilder()
              .setNodeId(nodeId)
              .setCsrSha256(com.google.protobuf.ByteString.copyFrom(csrSha))
              .build());
      if (status.getState() == IssuanceState.ISSUANCE_STATE_ISSUED) {
        try {
          return Pem.decodeCertificates(status.getCertificateChainPem());
        } catch (CertificateException e) {
          throw Status.INTERNAL.withDescription("the CA sent an unreadable certificate").asRuntimeException();
        }
      }
      if (status.getState() == IssuanceState.ISSUANCE_STATE_FAILED) {
        throw Status.FAILED_PRECONDITION
            .withDescription("the CA refused to issue a certificate: " + status.getError())
            .asRuntimeException();
      }
      if (System.nanoTime() > deadline) {
        throw Status.DEADLINE_EXCEEDED
            .withDescription("no certificate was issued within " + POLL_LIMIT.toSeconds() + " s")
            .asRuntimeException();
      }
      try {
        Thread.sleep(POLL_INTERVAL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
      }
    }
  }

  private static Credentials accept(
      KeyPair keys, List<X509Certificate> chain, X509Certificate root, String nodeId, Clock clock) {
    X509Certificate leaf = chain.get(0);
    if (!leaf.getPublicKey().equals(keys.getPublic())) {
      throw Status.INTERNAL.withDescription("the CA returned a certificate for another key").asRuntimeException();
    }
    if (chain.size() < 2 || !chain.get(chain.size() - 1).equals(root)) {
      throw Status.INTERNAL.withDescription("the issued certificate does not chain to the cluster root")
          .asRuntimeException();
    }
    try {
      leaf.verify(chain.get(1).getPublicKey());
      leaf.checkValidity(java.util.Date.from(clock.instant()));
    } catch (GeneralSecurityException e) {
      throw Status.INTERNAL.withDescription("the issued certificate does not verify: " + e.getMessage())
          .asRuntimeException();
    }
    Credentials credentials = new Credentials(keys.getPrivate(), chain);
    if (!credentials.identity().nodeId().equals(nodeId)) {
      throw Status.INTERNAL.withDescription("the issued certificate names another node").asRuntimeException();
    }
    return credentials;
  }

  private static CAGrpc.CABlockingStub stub(Channel channel) {
    return CAGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
