package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.CAGrpc;
import io.baton.api.ControlGrpc;
import io.baton.api.GetRootCACertificateRequest;
import io.baton.api.ListNodesRequest;
import io.baton.ca.CertificateIssuer;
import io.baton.ca.Credentials;
import io.baton.ca.Identifiers;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeys;
import io.baton.ca.Role;
import io.baton.ca.RootCa;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The manager's listener speaks only TLS 1.3 and admits only certificates of its own cluster. */
@Timeout(120)
class TlsTest {
  private static TestCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(1);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  void tls12AndOlderClientsAreRefused() throws Exception {
    for (String protocol : new String[] {"TLSv1.2", "TLSv1.1", "TLSv1"}) {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new TrustEverything()}, new SecureRandom());
      int port = Integer.parseInt(cluster.managerAddress().split(":")[1]);
      try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
        socket.setEnabledProtocols(new String[] {protocol});
        assertThatThrownBy(socket::startHandshake).as(protocol).isInstanceOf(SSLHandshakeException.class);
      } catch (IllegalArgumentException unsupportedByThisJdk) {
        // the JDK itself no longer offers this protocol; nothing to test
      }
    }
    assertThat(rootFetch(cluster.channelAs(null))).isNotEmpty();
  }

  @Test
  void withoutAClientCertificateOnlyTheBootstrapRpcsAnswer() {
    var anonymous = cluster.channelAs(null);
    assertThat(rootFetch(anonymous)).contains("BEGIN CERTIFICATE");
    assertThatThrownBy(() -> ControlGrpc.newBlockingStub(anonymous).listNodes(ListNodesRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
  }

  @Test
  void foreignCaCertificateClaimingManagerIsRefusedAtTheHandshake() throws Exception {
    SecureRandom random = new SecureRandom();
    String clusterId = cluster.manager().identity().clusterId();
    RootCa foreign = RootCa.create(clusterId, Clock.systemUTC(), random);
    Credentials forged = issue(foreign, new NodeIdentity(cluster.manager().identity().nodeId(), Role.MANAGER, clusterId),
        Clock.systemUTC(), Duration.ofHours(1));
    assertThatThrownBy(() -> ControlGrpc.newBlockingStub(cluster.channelAs(forged))
        .listNodes(ListNodesRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void expiredCertificateOfTheClusterCaIsRefused() throws Exception {
    var c = cluster.store().view().cluster().orElseThrow();
    RootCa root = RootCa.fromPem(c.getRootCa().getCaCertPem(), c.getRootCa().getCaKeyPem());
    Clock twoHoursAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
    Credentials expired = issue(root, new NodeIdentity(cluster.manager().identity().nodeId(), Role.MANAGER, c.getId()),
        twoHoursAgo, Duration.ofHours(1));
    assertThat(expired.leaf().getNotAfter().toInstant()).isBefore(Instant.now());
    assertThatThrownBy(() -> ControlGrpc.newBlockingStub(cluster.channelAs(expired))
        .listNodes(ListNodesRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED));
  }

  @Test
  void certificateOfAnotherClusterIdIsRefused() throws Exception {
    var c = cluster.store().view().cluster().orElseThrow();
    RootCa root = RootCa.fromPem(c.getRootCa().getCaCertPem(), c.getRootCa().getCaKeyPem());
    Credentials other = issue(root, new NodeIdentity(Identifiers.newId(new SecureRandom()), Role.MANAGER,
        Identifiers.newId(new SecureRandom())), Clock.systemUTC(), Duration.ofHours(1));
    assertThatThrownBy(() -> ControlGrpc.newBlockingStub(cluster.channelAs(other))
        .listNodes(ListNodesRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.PERMISSION_DENIED));
  }

  static Credentials issue(RootCa root, NodeIdentity identity, Clock clock, Duration validity) throws Exception {
    var keys = NodeKeys.generate();
    var issued = new CertificateIssuer(clock, new SecureRandom()).issue(root, NodeKeys.csrPem(keys), identity, validity);
    return new Credentials(keys.getPrivate(), issued.chain());
  }

  private static String rootFetch(io.grpc.Channel channel) {
    return CAGrpc.newBlockingStub(channel).getRootCACertificate(GetRootCACertificateRequest.getDefaultInstance())
        .getCertificatePem();
  }

  /** For probing protocol versions only: the handshake must fail before trust even matters. */
  private static final class TrustEverything implements X509TrustManager {
    @Override
    public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

    @Override
    public java.security.cert.X509Certificate[] getAcceptedIssuers() {
      return new java.security.cert.X509Certificate[0];
    }
  }
}
