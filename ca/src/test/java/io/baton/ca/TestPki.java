package io.baton.ca;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/** A root CA and helpers to issue real node credentials in tests. */
final class TestPki {
  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  static final Clock FIXED = Clock.fixed(NOW, ZoneOffset.UTC);
  static final SecureRandom RND = new SecureRandom();

  final String clusterId;
  final RootCa root;
  final Clock clock;
  final CertificateIssuer issuer;

  TestPki(String clusterId, Clock clock) {
    this.clusterId = clusterId;
    this.clock = clock;
    this.root = RootCa.create(clusterId, clock, RND);
    this.issuer = new CertificateIssuer(clock, RND);
  }

  static TestPki fixed() {
    return new TestPki(Identifiers.newId(RND), FIXED);
  }

  static TestPki live() {
    return new TestPki(Identifiers.newId(RND), Clock.systemUTC());
  }

  NodeIdentity identity(Role role) {
    return new NodeIdentity(Identifiers.newId(RND), role, clusterId);
  }

  Credentials credentials(Role role) {
    return credentials(identity(role), Duration.ofHours(24));
  }

  Credentials credentials(NodeIdentity identity, Duration validity) {
    KeyPair keys = NodeKeys.generate();
    try {
      IssuedCertificate issued = issuer.issue(root, NodeKeys.csrPem(keys), identity, validity);
      return new Credentials(keys.getPrivate(), issued.chain());
    } catch (CsrRejectedException e) {
      throw new AssertionError(e);
    }
  }

  IssuedCertificate issue(NodeIdentity identity, Duration validity) throws CsrRejectedException {
    return issuer.issue(root, NodeKeys.csrPem(NodeKeys.generate()), identity, validity);
  }
}
