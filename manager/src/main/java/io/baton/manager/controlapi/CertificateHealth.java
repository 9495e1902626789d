package io.baton.manager.controlapi;

import io.baton.api.Cluster;
import io.baton.api.Node;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether a node's certificate is close to expiry: less than 20 % of the cluster's certificate
 * validity left. A healthy node renews at 50-80 % of its validity, so this means its renewals have
 * been failing for a while; when the certificate expires the node is cut off and must rejoin.
 */
final class CertificateHealth {
  /** The share of the validity below which a certificate counts as expiring. */
  static final double THRESHOLD = 0.2;

  private CertificateHealth() {}

  static boolean expiring(Node node, Optional<Cluster> cluster, Instant now) {
    long notAfter = node.getCertificate().getNotAfterMs();
    long validity = cluster.map(c -> c.getSpec().getNodeCertExpirySeconds()).orElse(0L);
    if (notAfter == 0 || validity <= 0) {
      return false;
    }
    Duration left = Duration.between(now, Instant.ofEpochMilli(notAfter));
    return left.toMillis() < Duration.ofSeconds(validity).toMillis() * THRESHOLD;
  }
}
