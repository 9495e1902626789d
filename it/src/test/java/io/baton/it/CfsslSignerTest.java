package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.ca.CfsslEndpoint;
import io.baton.ca.CfsslSigner;
import io.baton.ca.CsrRejectedException;
import io.baton.ca.ExternalCaException;
import io.baton.ca.Identifiers;
import io.baton.ca.IssuedCertificate;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeys;
import io.baton.ca.Role;
import io.baton.ca.RootCa;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The CFSSL client against real {@code cfssl serve} processes: https with the server verified
 * against the external root, the auth key, and the checks that keep a misconfigured CFSSL (or a
 * stranger reaching it) from putting a certificate baton did not ask for into the cluster.
 */
@Timeout(120)
class CfsslSignerTest {
  private static final Duration DAY = Duration.ofHours(24);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** https, and signing only with the auth key. */
  private static CfsslServer tls;
  /** plain http, open /sign, and a signing profile of 48 h. */
  private static CfsslServer loose;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(CfsslServer.installed(),
        "skipped: " + CfsslServer.CFSSL + " is absent (install Debian's golang-cfssl)");
    Path dir = Files.createTempDirectory("baton-cfssl-signer-");
    tls = CfsslServer.start(dir.resolve("tls"), new CfsslServer.Options("24h", true, true));
    loose = CfsslServer.start(dir.resolve("loose"), new CfsslServer.Options("48h", false, false));
  }

  @AfterAll
  static void stop() {
    for (CfsslServer server : new CfsslServer[] {tls, loose}) {
      if (server != null) {
        server.close();
      }
    }
  }

  private static NodeIdentity worker() {
    return new NodeIdentity(Identifiers.newId(RANDOM), Role.WORKER, "cluster-under-test");
  }

  @Test
  void signsOverHttpsWithTheAuthKeyExactlyWhatBatonAssigned() throws Exception {
    CfsslSigner signer = CfsslSigner.connect(tls.endpoint(), tls.root(), Clock.systemUTC());
    NodeIdentity manager = new NodeIdentity(Identifiers.newId(RANDOM), Role.MANAGER, "cluster-under-test");
    KeyPair keys = NodeKeys.generate();
    IssuedCertificate cert = signer.sign(NodeKeys.csrPem(keys), manager, DAY);
    assertThat(cert.certificate().getPublicKey()).isEqualTo(keys.getPublic());
    assertThat(cert.chain()).containsExactly(cert.certificate(), tls.root());
    assertThat(cert.certificate().getSubjectX500Principal().getName())
        .isEqualTo("CN=" + manager.nodeId() + ",OU=baton-manager,O=cluster-under-test");
    assertThat(cert.certificate().getSubjectAlternativeNames())
        .extracting(name -> (Object) name.get(1))
        .containsExactlyInAnyOrder("baton-manager", manager.nodeId());
  }

  @Test
  void anHttpsServerWhoseCertificateIsNotOfTheRootIsNotTalkedTo() {
    var other = RootCa.create("cluster-under-test", Clock.systemUTC(), RANDOM).certificate();
    assertThatThrownBy(() -> CfsslSigner.connect(tls.endpoint(), other, Clock.systemUTC()))
        .isInstanceOfSatisfying(ExternalCaException.class, e -> {
          assertThat(e.failure()).isEqualTo(ExternalCaException.Failure.UNREACHABLE);
          assertThat(e.getMessage()).startsWith("external CA at " + tls.url() + " is unreachable: TLS handshake failed");
        });
    assertThatThrownBy(() -> CfsslSigner.connect(tls.endpoint(), null, Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--external-ca-cert");
  }

  @Test
  void withoutTheRightAuthKeyNothingIsSigned() throws Exception {
    byte[] wrong = new byte[32];
    RANDOM.nextBytes(wrong);
    String csr = NodeKeys.csrPem(NodeKeys.generate());
    var forger = new CfsslSigner(CfsslEndpoint.parse("cfssl=" + tls.url(), wrong), tls.root(), Clock.systemUTC());
    assertThatThrownBy(() -> forger.sign(csr, worker(), DAY))
        .isInstanceOfSatisfying(ExternalCaException.class, e -> {
          assertThat(e.failure()).isEqualTo(ExternalCaException.Failure.REFUSED);
          assertThat(e.getMessage()).isEqualTo("external CA at " + tls.url() + " refused: invalid token (CFSSL code 400, HTTP 400)");
        });
    var stranger = new CfsslSigner(CfsslEndpoint.parse("cfssl=" + tls.url(), null), tls.root(), Clock.systemUTC());
    assertThatThrownBy(() -> stranger.sign(csr, worker(), DAY))
        .isInstanceOfSatisfying(ExternalCaException.class, e -> {
          assertThat(e.failure()).isEqualTo(ExternalCaException.Failure.REFUSED);
          assertThat(e.getMessage()).contains("has no /api/v1/cfssl/sign endpoint (HTTP 404)");
        });
  }

  @Test
  void aCertificateLongerLivedThanTheClusterAllowsIsRefused() throws Exception {
    CfsslSigner signer = CfsslSigner.connect(loose.endpoint(), null, Clock.systemUTC());
    assertThat(signer.root()).isEqualTo(loose.root());
    assertThatThrownBy(() -> signer.sign(NodeKeys.csrPem(NodeKeys.generate()), worker(), DAY))
        .isInstanceOfSatisfying(ExternalCaException.class, e -> {
          assertThat(e.failure()).isEqualTo(ExternalCaException.Failure.BAD_CERTIFICATE);
          assertThat(e.getMessage()).contains("longer than the cluster's node certificate expiry of 24h allows");
        });
    // The same profile suits a cluster whose certificates live 48 h.
    assertThat(signer.sign(NodeKeys.csrPem(NodeKeys.generate()), worker(), Duration.ofHours(48)).chain())
        .last().isEqualTo(loose.root());
  }

  @Test
  void aCfsslThatSignsWithAnotherRootThanTheGivenOneIsRefusedAtInit() {
    assertThatThrownBy(() -> CfsslSigner.connect(loose.endpoint(), tls.root(), Clock.systemUTC()))
        .isInstanceOfSatisfying(ExternalCaException.class, e -> {
          assertThat(e.failure()).isEqualTo(ExternalCaException.Failure.BAD_CERTIFICATE);
          assertThat(e.getMessage()).contains("signs with another certificate than the given root");
        });
  }

  @Test
  void aBadCsrIsRejectedBeforeAnythingReachesCfssl() throws Exception {
    CfsslSigner signer = new CfsslSigner(loose.endpoint(), loose.root(), Clock.systemUTC());
    long signedBefore = signRequests(loose);
    var p521 = KeyPairGenerator.getInstance("EC");
    p521.initialize(new ECGenParameterSpec("secp521r1"));
    String offCurve = Csrs.withSubject(p521.generateKeyPair(), "CN=baton-node");
    assertThatThrownBy(() -> signer.sign("not a CSR", worker(), DAY)).isInstanceOf(CsrRejectedException.class);
    assertThatThrownBy(() -> signer.sign(offCurve, worker(), DAY))
        .isInstanceOf(CsrRejectedException.class).hasMessageContaining("P-256 or P-384");
    assertThat(signRequests(loose)).isEqualTo(signedBefore);
  }

  @Test
  void anUnreachableCfsslIsReportedInOneLine() {
    var gone = new CfsslSigner(CfsslEndpoint.parse("cfssl=http://127.0.0.1:" + Ports.freePair(), null),
        loose.root(), Clock.systemUTC());
    assertThatThrownBy(() -> gone.sign(NodeKeys.csrPem(NodeKeys.generate()), worker(), DAY))
        .isInstanceOfSatisfying(ExternalCaException.class, e -> {
          assertThat(e.failure()).isEqualTo(ExternalCaException.Failure.UNREACHABLE);
          assertThat(e.getMessage()).matches("external CA at http://127\\.0\\.0\\.1:\\d+ is unreachable: connection refused");
        });
  }

  @Test
  void aCfsslThatNeverAnswersIsGivenUpOnAfterFiveSeconds() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      var stuck = new CfsslSigner(CfsslEndpoint.parse("cfssl=http://127.0.0.1:" + silent.getLocalPort(), null),
          loose.root(), Clock.systemUTC());
      long start = System.nanoTime();
      assertThatThrownBy(() -> stuck.sign(NodeKeys.csrPem(NodeKeys.generate()), worker(), DAY))
          .isInstanceOfSatisfying(ExternalCaException.class, e -> {
            assertThat(e.failure()).isEqualTo(ExternalCaException.Failure.UNREACHABLE);
            assertThat(e.getMessage()).endsWith("is unreachable: no answer within 5 s");
          });
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }
  }

  private static long signRequests(CfsslServer server) throws Exception {
    return Files.readAllLines(server.log()).stream().filter(l -> l.contains("POST /api/v1/cfssl/sign")).count();
  }
}
