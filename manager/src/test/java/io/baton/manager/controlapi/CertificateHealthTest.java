package io.baton.manager.controlapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.Cluster;
import io.baton.api.ClusterSpec;
import io.baton.api.Node;
import io.baton.api.NodeCertificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CertificateHealthTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Optional<Cluster> DAY = Optional.of(Cluster.newBuilder()
      .setSpec(ClusterSpec.newBuilder().setNodeCertExpirySeconds(Duration.ofHours(24).toSeconds())).build());

  private static Node expiringIn(Duration left) {
    return Node.newBuilder().setCertificate(NodeCertificate.newBuilder()
        .setNotAfterMs(NOW.plus(left).toEpochMilli())).build();
  }

  @Test
  void lessThanAFifthOfTheValidityLeftIsExpiring() {
    assertThat(CertificateHealth.expiring(expiringIn(Duration.ofHours(4)), DAY, NOW)).isTrue();
    assertThat(CertificateHealth.expiring(expiringIn(Duration.ofHours(-1)), DAY, NOW)).isTrue();
    assertThat(CertificateHealth.expiring(expiringIn(Duration.ofHours(5)), DAY, NOW)).isFalse();
    assertThat(CertificateHealth.expiring(Node.getDefaultInstance(), DAY, NOW)).isFalse();
    assertThat(CertificateHealth.expiring(expiringIn(Duration.ofHours(1)), Optional.empty(), NOW)).isFalse();
  }
}
