package io.baton.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.ca.CertificateIssuer;
import io.baton.ca.ClusterTrustManager;
import io.baton.ca.Credentials;
import io.baton.ca.Identifiers;
import io.baton.ca.IssuedCertificate;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeyManager;
import io.baton.ca.NodeKeys;
import io.baton.ca.Pem;
import io.baton.ca.Role;
import io.baton.ca.RootCa;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pushed trusted roots: a set that adds the new root of a rotation is saved, then used, and the
 * presented chain follows; a set that does not anchor the node's own certificate (a confused or
 * hostile manager trying to cut the node off, or to make it trust only a root of its own) is
 * ignored and nothing is saved.
 */
class TrustUpdaterTest {
  private final SecureRandom random = new SecureRandom();
  private final Clock clock = Clock.systemUTC();
  private final String clusterId = Identifiers.newId(random);
  private final RootCa oldRoot = RootCa.create(clusterId, clock, random);
  private final RootCa newRoot = RootCa.create(clusterId, clock, random);
  private final List<List<X509Certificate>> saved = new ArrayList<>();

  private Credentials credentials() throws Exception {
    KeyPair keys = NodeKeys.generate();
    IssuedCertificate issued = new CertificateIssuer(clock, random).issue(oldRoot, NodeKeys.csrPem(keys),
        new NodeIdentity(Identifiers.newId(random), Role.WORKER, clusterId), Duration.ofHours(1));
    return new Credentials(keys.getPrivate(), issued.chain());
  }

  @Test
  void addsTheNewRootAndRefusesASetThatDropsTheNodesOwnRoot() throws Exception {
    ClusterTrustManager trust = new ClusterTrustManager(clusterId, List.of(oldRoot.certificate()), clock);
    NodeKeyManager keys = new NodeKeyManager(credentials());
    TrustUpdater updater = new TrustUpdater(trust, keys, (roots, chain) -> saved.add(roots), clock);

    String both = oldRoot.certificatePem() + newRoot.certificatePem();
    assertThat(updater.apply(both)).isTrue();
    assertThat(trust.roots()).containsExactly(oldRoot.certificate(), newRoot.certificate());
    assertThat(saved).containsExactly(trust.roots());
    assertThat(keys.current().chain()).endsWith(oldRoot.certificate(), newRoot.certificate());
    assertThat(updater.apply(both)).as("the same set again").isFalse();

    assertThat(updater.apply(newRoot.certificatePem())).as("would orphan the node's certificate").isFalse();
    RootCa foreign = RootCa.create(Identifiers.newId(random), clock, random);
    assertThat(updater.apply(foreign.certificatePem())).isFalse();
    assertThat(updater.apply("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")).isFalse();
    assertThat(trust.roots()).containsExactly(oldRoot.certificate(), newRoot.certificate());
    assertThat(saved).hasSize(1);
    assertThat(Pem.decodeCertificates(Pem.encodeCertificates(keys.current().chain())).get(0))
        .isEqualTo(keys.current().leaf());
  }
}
