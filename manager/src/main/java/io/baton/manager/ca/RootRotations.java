package io.baton.manager.ca;

import io.baton.api.Cluster;
import io.baton.api.JoinTokens;
import io.baton.api.Node;
import io.baton.api.RootCA;
import io.baton.api.RootRotation;
import io.baton.api.RootRotationPendingNode;
import io.baton.api.RootRotationProgress;
import io.baton.ca.JoinToken;
import io.baton.ca.Pem;
import io.baton.ca.RootCa;
import io.grpc.Status;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rules of a root CA rotation, over the cluster object that holds it. Pure functions; the
 * control API starts a rotation, the leader's {@link RootRotationReconciler} moves the nodes and
 * finishes it.
 *
 * <p>While a rotation is in progress nodes trust both roots ({@link #trustedRootsPem}), the CA
 * signs with the new root and appends the cross-signed new root and the old root to each chain, and
 * join tokens keep naming the old root. A node is done once the CA issued it a certificate of the
 * new root and the node reports holding it ({@link #onNewRoot}); it trusts the new root by then,
 * because the trust set reaches it in the same session push that first asks it to renew. When every node in the store is done, {@link
 * #finish} makes the new root the only root and replaces both join tokens (their digest names the
 * new root), so tokens of the old root are refused; extra tokens are dropped, since only hashes of
 * their secrets are kept and they cannot be re-issued under the new digest.
 */
public final class RootRotations {
  private RootRotations() {}

  /**
   * {@code cluster} with a new rotation under a freshly created root, cross-signed by the current
   * root.
   *
   * @throws io.grpc.StatusRuntimeException FAILED_PRECONDITION if a rotation is already in progress,
   *     or an external CA signs for the cluster (the managers hold no root key to cross-sign with)
   */
  public static Cluster start(Cluster cluster, Clock clock, SecureRandom random) {
    if (cluster.getRootCa().hasExternalCa()) {
      throw Status.FAILED_PRECONDITION
          .withDescription("the root CA of this cluster is an external CA ("
              + cluster.getRootCa().getExternalCa().getUrl()
              + "): baton holds no root key to rotate; rotate the root in that CA instead")
          .asRuntimeException();
    }
    if (cluster.getRootCa().hasRotation()) {
      throw Status.FAILED_PRECONDITION
          .withDescription("a root CA rotation is already in progress; 'baton ca' shows how far it got")
          .asRuntimeException();
    }
    RootCa current = current(cluster);
    RootCa next = RootCa.create(cluster.getId(), clock, random);
    X509Certificate cross = current.crossSign(next, random);
    RootRotation rotation = RootRotation.newBuilder()
        .setCaCertPem(next.certificatePem())
        .setCaKeyPem(next.keyPem())
        .setCrossSignedCertPem(Pem.encodeCertificates(List.of(cross)))
        .setDigest(next.digest())
        .setStartedAtMs(clock.millis())
        .build();
    return cluster.toBuilder().setRootCa(cluster.getRootCa().toBuilder().setRotation(rotation)).build();
  }

  /**
   * {@code cluster} after its rotation: the new root is the only root, both join tokens are new (for
   * the new root's digest), extra tokens are gone. Empty if no rotation is in progress, or a
   * different one than {@code digest} (so a finish decided on a stale view does nothing).
   */
  public static Optional<Cluster> finish(Cluster cluster, String digest, SecureRandom random) {
    RootRotation rotation = cluster.getRootCa().getRotation();
    if (!cluster.getRootCa().hasRotation() || !rotation.getDigest().equals(digest)) {
      return Optional.empty();
    }
    RootCA root = RootCA.newBuilder()
        .setCaCertPem(rotation.getCaCertPem())
        .setCaKeyPem(rotation.getCaKeyPem())
        .setDigest(rotation.getDigest())
        .build();
    JoinTokens tokens = JoinTokens.newBuilder()
        .setWorker(JoinToken.generate(digest, random).toString())
        .setManager(JoinToken.generate(digest, random).toString())
        .build();
    return Optional.of(cluster.toBuilder()
        .setRootCa(root)
        .setJoinTokens(tokens)
        .clearExtraJoinTokens()
        .build());
  }

  /** PEM of the roots nodes must trust: the cluster root, then the new root during a rotation. */
  public static String trustedRootsPem(Cluster cluster) {
    RootCA root = cluster.getRootCa();
    return root.hasRotation() ? root.getCaCertPem() + root.getRotation().getCaCertPem() : root.getCaCertPem();
  }

  /** The new root of the rotation in progress, if any. */
  public static Optional<X509Certificate> newRoot(Cluster cluster) {
    if (!cluster.getRootCa().hasRotation()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Pem.decodeCertificates(cluster.getRootCa().getRotation().getCaCertPem()).get(0));
    } catch (CertificateException e) {
      throw new IllegalStateException("the new root CA certificate in the store is unreadable", e);
    }
  }

  /**
   * True if the last certificate the CA issued to {@code node} was signed by {@code newRoot} and the
   * node reports holding it (so a node that crashed before installing it is still waited for).
   */
  public static boolean onNewRoot(Node node, X509Certificate newRoot) {
    if (!node.getDescription().getCertificateSerial().equalsIgnoreCase(node.getCertificate().getSerial())) {
      return false;
    }
    try {
      List<X509Certificate> chain = Pem.decodeCertificates(node.getCertificate().getCertificatePem());
      if (chain.isEmpty()) {
        return false;
      }
      chain.get(0).verify(newRoot.getPublicKey());
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /** How far the rotation got over {@code nodes}; empty if none is in progress. */
  public static Optional<RootRotationProgress> progress(Cluster cluster, List<Node> nodes) {
    Optional<X509Certificate> next = newRoot(cluster);
    if (next.isEmpty()) {
      return Optional.empty();
    }
    List<RootRotationPendingNode> pending = new ArrayList<>();
    for (Node node : nodes) {
      if (!onNewRoot(node, next.get())) {
        pending.add(RootRotationPendingNode.newBuilder()
            .setNodeId(node.getId())
            .setHostname(node.getDescription().getHostname())
            .setState(node.getStatus().getState())
            .build());
      }
    }
    RootRotation rotation = cluster.getRootCa().getRotation();
    return Optional.of(RootRotationProgress.newBuilder()
        .setNewRootDigest(rotation.getDigest())
        .setStartedAtMs(rotation.getStartedAtMs())
        .setNodesTotal(nodes.size())
        .setNodesDone(nodes.size() - pending.size())
        .addAllPending(pending)
        .build());
  }

  private static RootCa current(Cluster cluster) {
    try {
      return RootCa.fromPem(cluster.getRootCa().getCaCertPem(), cluster.getRootCa().getCaKeyPem());
    } catch (GeneralSecurityException e) {
      throw Status.FAILED_PRECONDITION
          .withDescription("cannot rotate: the root CA key in the store is unusable")
          .asRuntimeException();
    }
  }
}
