package io.baton.manager.ca;

import static io.baton.manager.GrpcErrors.invalid;
import static io.baton.manager.GrpcErrors.notFound;

import io.baton.api.Availability;
import io.baton.api.CAGrpc;
import io.baton.api.Cluster;
import io.baton.api.ExtraJoinToken;
import io.baton.api.GetRootCACertificateRequest;
import io.baton.api.GetRootCACertificateResponse;
import io.baton.api.IssuanceState;
import io.baton.api.IssueNodeCertificateRequest;
import io.baton.api.IssueNodeCertificateResponse;
import io.baton.api.Node;
import io.baton.api.NodeCertificate;
import io.baton.api.NodeCertificateStatusRequest;
import io.baton.api.NodeCertificateStatusResponse;
import io.baton.api.NodeSpec;
import io.baton.api.NodeState;
import io.baton.api.NodeStatus;
import io.baton.ca.CertificateIssuer;
import io.baton.ca.CsrRejectedException;
import io.baton.ca.ExternalCaException;
import io.baton.ca.Identifiers;
import io.baton.ca.InvalidJoinTokenException;
import io.baton.ca.IssuedCertificate;
import io.baton.ca.JoinToken;
import io.baton.ca.LocalRootSigner;
import io.baton.ca.NodeCertificateSigner;
import io.baton.ca.NodeIdentity;
import io.baton.ca.Role;
import io.baton.manager.GrpcErrors;
import io.baton.manager.auth.BootstrapRateLimiter;
import io.baton.manager.auth.Caller;
import io.baton.store.ClusterStore;
import io.baton.store.Denylist;
import io.baton.store.JoinApproval;
import io.baton.store.StoreException;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's certificate authority service.
 *
 * <p>Identity is assigned, never requested: a joiner's CSR contributes only its public key; the
 * node id, role (decided by which join token matched) and cluster id come from here. A caller that
 * already holds a certificate of this cluster can only renew its own identity, with the role the
 * store gives its node. The root key never leaves the store and this process.
 *
 * <p>When the cluster object names an external CA, certificates are signed by that CFSSL server
 * instead (see {@link io.baton.ca.CfsslSigner}): the store then holds no root key, and identity is
 * still decided here. A CFSSL that cannot be reached makes joins and renewals fail with UNAVAILABLE
 * (nodes retry renewals with backoff; their current certificates keep working); one that refuses,
 * or returns a certificate that is not exactly baton's assignment, makes them fail with
 * FAILED_PRECONDITION.
 *
 * <p>With join approval on, a joiner is stored pending ({@link JoinApproval}): it gets a certificate
 * of its token's role, so it can be named and accepted, but its stored role stays worker and it
 * may do nothing else until {@code node accept}. Its renewals keep the role it joined with.
 */
public final class CaServer extends CAGrpc.CAImplBase {
  private static final Logger log = LoggerFactory.getLogger(CaServer.class);
  private static final String BAD_TOKEN = "A valid join token is necessary to join this cluster";
  /** A status request names its CSR by SHA-256; nodes recorded without one (the first manager) match none. */
  private static final int CSR_SHA256_BYTES = 32;

  private final ClusterStore store;
  private final CertificateIssuer issuer;
  private final SecureRandom random;
  private final BootstrapRateLimiter rateLimiter;
  private final Clock clock;
  private final RootCaCache roots = new RootCaCache();
  private final ExternalCaCache externalCas;

  public CaServer(
      ClusterStore store, CertificateIssuer issuer, SecureRandom random, BootstrapRateLimiter rateLimiter,
      Clock clock) {
    this.clock = clock;
    this.store = store;
    this.issuer = issuer;
    this.random = random;
    this.rateLimiter = rateLimiter;
    this.externalCas = new ExternalCaCache(clock);
  }

  @Override
  public void getRootCACertificate(
      GetRootCACertificateRequest request, StreamObserver<GetRootCACertificateResponse> observer) {
    GrpcErrors.unary(observer, () -> GetRootCACertificateResponse.newBuilder()
        .setCertificatePem(cluster().getRootCa().getCaCertPem())
        .build());
  }

  @Override
  public void issueNodeCertificate(
      IssueNodeCertificateRequest request, StreamObserver<IssueNodeCertificateResponse> observer) {
    GrpcErrors.unary(observer, () -> switch (Caller.current()) {
      case Caller.Node node -> renew(node, request.getCsrPem());
      case Caller.Anonymous anonymous -> join(anonymous, request);
    });
  }

  @Override
  public void nodeCertificateStatus(
      NodeCertificateStatusRequest request, StreamObserver<NodeCertificateStatusResponse> observer) {
    GrpcErrors.unary(observer, () -> {
      Optional<Node> node = store.view().node(request.getNodeId());
      if (node.isEmpty()
          || request.getCsrSha256().size() != CSR_SHA256_BYTES
          || !MessageDigest.isEqual(
              node.get().getCertificate().getCsrSha256().toByteArray(),
              request.getCsrSha256().toByteArray())) {
        throw notFound("no certificate request matches this node id and CSR");
      }
      NodeCertificate cert = node.get().getCertificate();
      return NodeCertificateStatusResponse.newBuilder()
          .setState(cert.getState())
          .setCertificateChainPem(cert.getCertificatePem())
          .setError(cert.getError())
          .build();
    });
  }

  private IssueNodeCertificateResponse join(Caller.Anonymous caller, IssueNodeCertificateRequest request)
      throws StoreException {
    Cluster cluster = cluster();
    Match match = matchToken(caller, request.getToken(), cluster);
    Role role = match.role();
    byte[] csrSha = csrSha256(request.getCsrPem());
    String nodeId = Identifiers.newId(random);
    IssuedCertificate cert = sign(cluster, request.getCsrPem(), new NodeIdentity(nodeId, role, cluster.getId()));
    Node joined = Node.newBuilder()
        .setId(nodeId)
        .setRole(role.toProto())
        .setSpec(NodeSpec.newBuilder().setDesiredRole(role.toProto()).setAvailability(Availability.AVAILABILITY_ACTIVE))
        .setStatus(NodeStatus.newBuilder()
            .setState(NodeState.NODE_STATE_UNKNOWN)
            .setMessage("joined; waiting for its first session")
            .setAddr(caller.remoteAddress()))
        .setCertificate(certificateRecord(cert, csrSha))
        .build();
    boolean approval = cluster.getSpec().getJoinApproval();
    Node node = approval ? JoinApproval.pending(joined) : joined;
    store.update(tx -> {
      if (tx.node(nodeId).isPresent() || Denylist.contains(tx, nodeId)) {
        throw Status.ABORTED.withDescription("node id collision; retry the join").asRuntimeException();
      }
      if (tx.nodes().stream()
          .anyMatch(n -> MessageDigest.isEqual(n.getCertificate().getCsrSha256().toByteArray(), csrSha))) {
        // A joiner makes a new key pair for every join: the same CSR again is a replay.
        throw Status.ALREADY_EXISTS
            .withDescription("this certificate request was used before; a joining node sends a CSR of a new key")
            .asRuntimeException();
      }
      if (match.extraTokenId() != null) {
        tx.put(ExtraTokens.consume(tx.cluster().orElseThrow(), match.extraTokenId(), clock.instant())
            .orElseThrow(() -> invalid(BAD_TOKEN)));
      }
      tx.put(node);
      return null;
    });
    if (approval) {
      log.info("node {} joined as {} from {} and waits for approval ('baton node accept {}')",
          nodeId, role.ou(), caller.remoteAddress(), nodeId);
    } else {
      log.info("node {} joined as {} from {}", nodeId, role.ou(), caller.remoteAddress());
    }
    return IssueNodeCertificateResponse.newBuilder()
        .setNodeId(nodeId)
        .setRole(role.toProto())
        .setState(IssuanceState.ISSUANCE_STATE_ISSUED)
        .setMembership(node.getSpec().getMembership())
        .build();
  }

  private IssueNodeCertificateResponse renew(Caller.Node caller, String csrPem) throws StoreException {
    byte[] csrSha = csrSha256(csrPem);
    Cluster cluster = cluster();
    Node current = store.view().node(caller.nodeId())
        .orElseThrow(() -> notFound("node " + caller.nodeId() + " is not a member of this cluster"));
    // A pending node's stored role is worker until accepted; it keeps the certificate role it joined with.
    Role role = Role.fromProto(
        JoinApproval.isPending(current) ? current.getSpec().getDesiredRole() : current.getRole());
    IssuedCertificate cert = sign(cluster, csrPem, new NodeIdentity(caller.nodeId(), role, cluster.getId()));
    store.update(tx -> {
      Node node = tx.node(caller.nodeId())
          .orElseThrow(() -> notFound("node " + caller.nodeId() + " was removed"));
      tx.put(node.toBuilder().setCertificate(certificateRecord(cert, csrSha)).build());
      return null;
    });
    log.info("renewed the certificate of node {} as {}", caller.nodeId(), role.ou());
    return IssueNodeCertificateResponse.newBuilder()
        .setNodeId(caller.nodeId())
        .setRole(role.toProto())
        .setState(IssuanceState.ISSUANCE_STATE_ISSUED)
        .setMembership(current.getSpec().getMembership())
        .build();
  }

  /** The role a join token gives, and the extra token it is (null for a standing token). */
  private record Match(Role role, String extraTokenId) {}

  private Match matchToken(Caller.Anonymous caller, String text, Cluster cluster) {
    if (text.isEmpty()) {
      throw invalid("a join token is required to join this cluster");
    }
    JoinToken presented;
    try {
      presented = JoinToken.parse(text);
    } catch (InvalidJoinTokenException e) {
      rateLimiter.recordFailure(caller.remoteAddress());
      throw invalid("invalid join token: " + e.getMessage());
    }
    Optional<Role> role = Optional.empty();
    for (Role candidate : Role.values()) {
      if (tokenOf(cluster, candidate).map(presented::sameSecretAs).orElse(false)) {
        role = Optional.of(candidate);
      }
    }
    if (role.isPresent()) {
      return new Match(role.get(), null);
    }
    Optional<ExtraJoinToken> extra = ExtraTokens.match(cluster, presented, clock.instant());
    if (extra.isPresent()) {
      return new Match(Role.fromProto(extra.get().getRole()), extra.get().getId());
    }
    rateLimiter.recordFailure(caller.remoteAddress());
    log.warn("refused a join from {} with token {}", caller.remoteAddress(), presented.logPrefix());
    throw invalid(BAD_TOKEN);
  }

  private static Optional<JoinToken> tokenOf(Cluster cluster, Role role) {
    String text = role == Role.MANAGER
        ? cluster.getJoinTokens().getManager()
        : cluster.getJoinTokens().getWorker();
    try {
      return Optional.of(JoinToken.parse(text));
    } catch (InvalidJoinTokenException e) {
      return Optional.empty();
    }
  }

  private IssuedCertificate sign(Cluster cluster, String csrPem, NodeIdentity identity) {
    Duration validity = Duration.ofSeconds(cluster.getSpec().getNodeCertExpirySeconds());
    try {
      return signer(cluster).sign(csrPem, identity, validity);
    } catch (CsrRejectedException e) {
      throw invalid(e.getMessage());
    } catch (ExternalCaException e) {
      log.warn("cannot sign a certificate for node {}: {}", identity.nodeId(), e.getMessage());
      Status status = e.failure() == ExternalCaException.Failure.UNREACHABLE
          ? Status.UNAVAILABLE : Status.FAILED_PRECONDITION;
      throw status.withDescription(e.getMessage()).asRuntimeException();
    }
  }

  private NodeCertificateSigner signer(Cluster cluster) {
    return cluster.getRootCa().hasExternalCa()
        ? externalCas.get(cluster)
        : localSigner(roots.get(cluster));
  }

  private LocalRootSigner localSigner(RootCaCache.Signer root) {
    return new LocalRootSigner(issuer, root.root(), root.chainTail());
  }

  private static byte[] csrSha256(String csrPem) {
    try {
      return CertificateIssuer.csrSha256(csrPem);
    } catch (CsrRejectedException e) {
      throw invalid(e.getMessage());
    }
  }

  private static NodeCertificate certificateRecord(IssuedCertificate cert, byte[] csrSha) {
    return NodeCertificate.newBuilder()
        .setState(IssuanceState.ISSUANCE_STATE_ISSUED)
        .setCertificatePem(cert.chainPem())
        .setCsrSha256(com.google.protobuf.ByteString.copyFrom(csrSha))
        .setNotAfterMs(cert.notAfter().toEpochMilli())
        .setSerial(cert.serialHex())
        .build();
  }

  private Cluster cluster() {
    return store.view().cluster().orElseThrow(() -> Status.UNAVAILABLE
        .withDescription("the cluster is still initializing; retry shortly")
        .asRuntimeException());
  }
}
