package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.ca.Credentials;
import io.baton.ca.NodeIdentity;
import io.baton.ca.Pem;
import io.baton.node.BatonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Certificates renew on their own between 50 % and 80 % of their validity, with a new key, the same
 * node id, and without dropping the node's session.
 */
@Timeout(180)
class RenewalTest {

  @Test
  void workerRenewsUnderARunningSession() throws Exception {
    try (TestCluster cluster = TestCluster.start(1, Duration.ofMillis(500), Duration.ofSeconds(20))) {
      BatonNode worker = cluster.workers().get(0);
      Credentials before = worker.credentials();
      String session = worker.agent().sessionId().orElseThrow();

      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> !worker.credentials().leaf().getSerialNumber().equals(before.leaf().getSerialNumber()));

      Credentials after = worker.credentials();
      assertThat(after.leaf().getPublicKey()).isNotEqualTo(before.leaf().getPublicKey());
      assertThat(after.identity()).isEqualTo(before.identity());
      assertThat(worker.agent().sessionId()).contains(session);
      List<java.security.cert.X509Certificate> onDisk =
          Pem.decodeCertificates(Files.readString(worker.stateDir().nodeCert()));
      assertThat(onDisk.get(0)).isEqualTo(after.leaf());
      assertThat(Files.readString(worker.stateDir().nodeKey())).isEqualTo(Pem.encodePrivateKey(after.key()));
      assertThat(cluster.node(after.identity().nodeId()).getCertificate().getSerial())
          .isEqualToIgnoringCase(after.leaf().getSerialNumber().toString(16));
      // The renewed certificate is what the next connection presents, and it is accepted.
      assertThat(NodeIdentity.fromCertificate(after.leaf()).nodeId()).isEqualTo(before.identity().nodeId());
    }
  }

  @Test
  void managerRenewsItsOwnCertificateAndKeepsServing() throws Exception {
    try (TestCluster cluster = TestCluster.start(1, Duration.ofMillis(500), Duration.ofSeconds(20))) {
      BatonNode manager = cluster.manager();
      var before = manager.credentials().leaf().getSerialNumber();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> !manager.credentials().leaf().getSerialNumber().equals(before));
      // A fresh worker can still join: the manager's listener presents the renewed certificate.
      BatonNode late = cluster.addWorker();
      assertThat(late.agent().sessionId()).isPresent();
    }
  }
}
