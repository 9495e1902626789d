package io.baton.it.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baton.api.CAGrpc;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateJoinTokenRequest;
import io.baton.api.GetRootCACertificateRequest;
import io.baton.api.GetRootCACertificateResponse;
import io.baton.api.IssueNodeCertificateRequest;
import io.baton.api.IssueNodeCertificateResponse;
import io.baton.api.ListNodesRequest;
import io.baton.api.NodeRole;
import io.baton.ca.CertificateIssuer;
import io.baton.ca.ClusterTrustManager;
import io.baton.ca.Credentials;
import io.baton.ca.Identifiers;
import io.baton.ca.JoinToken;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeyManager;
import io.baton.ca.NodeKeys;
import io.baton.ca.Role;
import io.baton.ca.RootCa;
import io.baton.ca.TlsContexts;
import io.baton.it.RaftPortProbe;
import io.baton.it.TestCluster;
import io.baton.it.Wiretap;
import io.baton.node.BatonNode;
import io.baton.node.JoinOptions;
import io.baton.node.NodeException;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Attackers 1 and 2 of DESIGN §1: someone on the network, or inside it, who can send any packet to
 * any node but holds no certificate of the cluster and no join token. Real TLS, real certificates
 * and a real cluster (one manager, one worker). Every listener is scanned; only TLS 1.3 answers,
 * only the CA's bootstrap RPCs answer without a cluster certificate, and those reveal nothing,
 * issue nothing without a token, are rate limited, and cannot be used to starve real nodes.
 * {@code AuthzMatrixTest} walks every RPC for an anonymous caller; {@code BadInputTest} sends
 * garbage and oversized frames.
 */
@Timeout(240)
class ExternalAttackerTest {
  private static TestCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(1);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  /** The attacker's own source address, so the rate limits it runs into are not the real nodes'. */
  private static final String ATTACKER_HOST = "127.0.0.3";

  @Test
  void aScanOfEveryListeningPortFindsOnlyTheManagersTwoTlsPortsAndNoneAnswersWithoutTls() throws Exception {
    BatonNode manager = cluster.manager();
    int api = manager.manager().port();
    Set<Integer> listening = ListeningPorts.ofThisProcess();
    // The worker opens no port at all; the manager its API port and its Raft port, nothing else.
    assertThat(listening).containsExactlyInAnyOrder(api, api + 1);
    for (int port : listening) {
      assertThat(answersPlainHttp2(port)).as("port %d without TLS", port).isFalse();
      for (String protocol : new String[] {"TLSv1.2", "TLSv1.1", "TLSv1"}) {
        assertThat(handshakes(port, protocol)).as("port %d over %s", port, protocol).isFalse();
      }
    }
    // Without a certificate, TLS 1.3 gets as far as HTTP/2 only on the API port, for the bootstrap
    // RPCs (AuthzMatrixTest: everything else there is UNAUTHENTICATED); the Raft port refuses it.
    assertThat(RaftPortProbe.answers(new InetSocketAddress("127.0.0.1", api), null, cluster)).isTrue();
    assertThat(RaftPortProbe.answers(new InetSocketAddress("127.0.0.1", api + 1), null, cluster)).isFalse();
    GetRootCACertificateResponse root = CAGrpc.newBlockingStub(cluster.channelAs(null))
        .getRootCACertificate(GetRootCACertificateRequest.getDefaultInstance());
    assertThat(root.getCertificatePem()).contains("BEGIN CERTIFICATE").doesNotContain("PRIVATE KEY");
    assertThat(root.getAllFields()).hasSize(1);
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

  @Test
  void aReplayedJoinGetsNoNodeNeitherAsCapturedTlsBytesNorAsTheRequestInTheClear() throws Exception {
    var admin = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
    String oneUse = admin.createJoinToken(CreateJoinTokenRequest.newBuilder()
        .setRole(NodeRole.NODE_ROLE_WORKER).setMaxUses(1).build()).getToken();
    int port = cluster.manager().manager().port();
    List<byte[]> captured;
    Path dir = Files.createTempDirectory(cluster.root(), "replayed");
    try (Wiretap tap = Wiretap.between(new InetSocketAddress("127.0.0.2", port),
        new InetSocketAddress("127.0.0.1", port))) {
      BatonNode joined = BatonNode.join(new JoinOptions(dir, oneUse, "127.0.0.2:" + port, "127.0.0.1:0",
          "127.0.0.1:0", "process", null), TestCluster.settings("replayed"));
      joined.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> !tap.clientStreams().isEmpty());
      captured = tap.clientStreams();
    }
    int nodes = cluster.store().view().nodes().size();

    // The eavesdropper replays every connection's bytes as they were: TLS 1.3 binds them to the
    // original handshake's randoms, so the manager reads none of them as a request.
    for (byte[] stream : captured) {
      try (Socket socket = fromAttacker(new Socket(), port)) {
        socket.setSoTimeout(5_000);
        socket.getOutputStream().write(stream);
        drain(socket.getInputStream());
      } catch (IOException refused) {
        // a reset is the manager hanging up on it
      }
    }
    assertThat(cluster.store().view().nodes()).hasSize(nodes);

    // Even the request itself, in the clear (if TLS were broken), joins nobody: the one-use token is
    // spent, and a CSR that already gave a certificate is not signed twice with a standing token.
    KeyPairCsr victim = KeyPairCsr.generate();
    var ca = CAGrpc.newBlockingStub(cluster.channelAs(null));
    ca.issueNodeCertificate(victim.request(cluster.workerToken()));
    int afterVictim = cluster.store().view().nodes().size();
    assertRefused(() -> ca.issueNodeCertificate(victim.request(oneUse)), Status.Code.INVALID_ARGUMENT);
    assertRefused(() -> ca.issueNodeCertificate(victim.request(cluster.workerToken())), Status.Code.ALREADY_EXISTS);
    assertThat(cluster.store().view().nodes()).hasSize(afterVictim);
  }

  @Test
  void slowLorisAndAConnectionFloodOnTheBootstrapPortLeaveRealNodesServed() throws Exception {
    int port = cluster.manager().manager().port();
    List<Socket> loris = new ArrayList<>();
    try {
      // Connections that start a TLS record and then trickle: the manager gives each 10 s to finish
      // its handshake, so they cannot pile up for good.
      for (int i = 0; i < 200; i++) {
        Socket socket = fromAttacker(new Socket(), port);
        socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01});
        loris.add(socket);
      }
      // And a flood of complete anonymous handshakes that hang up at once.
      List<Thread> flood = new ArrayList<>();
      List<Throwable> floodErrors = new CopyOnWriteArrayList<>();
      for (int t = 0; t < 4; t++) {
        flood.add(Thread.ofPlatform().start(() -> {
          for (int i = 0; i < 50; i++) {
            try {
              handshakes(port, "TLSv1.3");
            } catch (RuntimeException e) {
              floodErrors.add(e);
            }
          }
        }));
      }
      // Meanwhile real nodes join and are served.
      long started = System.nanoTime();
      BatonNode late = cluster.addWorker();
      await().atMost(Duration.ofSeconds(30)).until(() -> late.agent().sessionId().isPresent()
          && cluster.manager().manager().dispatcher().connectedNodes().contains(late.identity().nodeId()));
      assertThat(ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()))
          .withDeadlineAfter(10, TimeUnit.SECONDS).listNodes(ListNodesRequest.getDefaultInstance())
          .getNodesCount()).isGreaterThanOrEqualTo(3);
      System.out.println("a worker joined during the slow-loris in "
          + (System.nanoTime() - started) / 1_000_000 + " ms");
      for (Thread thread : flood) {
        thread.join();
      }
      assertThat(floodErrors).isEmpty();
      // The manager hangs up on every trickling connection once the handshake time is over.
      for (Socket socket : loris) {
        socket.setSoTimeout(30_000);
        assertThat(drain(socket.getInputStream())).as("the manager closed a slow handshake").isTrue();
      }
    } finally {
      for (Socket socket : loris) {
        socket.close();
      }
    }
  }

  @Test
  void guessedTokensAreThrottledAndCreateNothing() throws Exception {
    // A cluster of its own: the guesses spend the failure budget of this machine's address.
    try (TestCluster guessed = TestCluster.start(1)) {
      String digest = JoinToken.parse(guessed.workerToken()).caDigest();
      String csr = NodeKeys.csrPem(NodeKeys.generate());
      var ca = CAGrpc.newBlockingStub(guessed.channelAs(null));
      SecureRandom random = new SecureRandom();
      Map<Status.Code, Integer> outcomes = new EnumMap<>(Status.Code.class);
      for (int i = 0; i < 200; i++) {
        String guess = JoinToken.generate(digest, random).toString();
        try {
          ca.issueNodeCertificate(IssueNodeCertificateRequest.newBuilder().setCsrPem(csr).setToken(guess).build());
          outcomes.merge(Status.Code.OK, 1, Integer::sum);
        } catch (StatusRuntimeException e) {
          outcomes.merge(e.getStatus().getCode(), 1, Integer::sum);
        }
      }
      assertThat(outcomes).doesNotContainKey(Status.Code.OK);
      assertThat(outcomes.get(Status.Code.INVALID_ARGUMENT)).isLessThanOrEqualTo(12);
      assertThat(outcomes.get(Status.Code.RESOURCE_EXHAUSTED)).isGreaterThanOrEqualTo(180);
      assertThat(guessed.store().view().nodes()).hasSize(2);

      // Nodes with certificates are not throttled by what anonymous callers do.
      var nodes = ControlGrpc.newBlockingStub(guessed.channelAs(guessed.manager().credentials()))
          .listNodes(ListNodesRequest.getDefaultInstance());
      assertThat(nodes.getNodesCount()).isEqualTo(2);
      assertThat(guessed.workers().get(0).agent().sessionId()).isPresent();
    }
  }

  /**
   * A man in the middle with its own CA (even one that copies the real cluster's id and a manager
   * OU) cannot get a joiner to send it anything: the joiner pins the root named by the token's
   * digest during the TLS handshake, so no RPC — no root fetch, no CSR, no token — reaches it.
   */
  @Test
  void aJoinerRefusesAnImpostorManagerBeforeSendingItAnything() throws Exception {
    String clusterId = cluster.manager().identity().clusterId();
    RootCa fake = RootCa.create(clusterId, Clock.systemUTC(), new SecureRandom());
    Credentials fakeManager = issue(fake, new NodeIdentity(Identifiers.newId(new SecureRandom()), Role.MANAGER,
        clusterId), Clock.systemUTC(), Duration.ofHours(1));
    List<String> received = new CopyOnWriteArrayList<>();
    Server impostor = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(TlsContexts.server(new NodeKeyManager(fakeManager).keyManager(),
            new ClusterTrustManager(clusterId, List.of(fake.certificate()), Clock.systemUTC())))
        .addService(new RecordingCa(fake, received))
        .build()
        .start();
    try {
      Path dir = Files.createTempDirectory(cluster.root(), "mitm");
      assertThatThrownBy(() -> BatonNode.join(new JoinOptions(dir, cluster.workerToken(),
          "127.0.0.1:" + impostor.getPort(), "127.0.0.1:0", "127.0.0.1:0", "process", null),
          TestCluster.settings("victim")))
          .isInstanceOf(NodeException.class)
          .hasMessageContaining("does not match the join token");
      assertThat(received).isEmpty();
      assertThat(dir.resolve("certificates/node.key")).doesNotExist();
      assertThat(dir.resolve("node.json")).doesNotExist();
    } finally {
      impostor.shutdownNow();
    }
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

  private static void assertRefused(Runnable call, Status.Code code) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }

  /** {@code socket}, connected from the attacker's address to the manager's {@code port}. */
  private static <S extends Socket> S fromAttacker(S socket, int port) throws IOException {
    socket.bind(new InetSocketAddress(ATTACKER_HOST, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    return socket;
  }

  /** Reads until the peer closes the connection; false if it is still open after the socket timeout. */
  private static boolean drain(InputStream in) {
    byte[] buf = new byte[4096];
    try {
      while (in.read(buf) >= 0) {
        // discard
      }
      return true;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  /** Whether a TLS handshake offering only {@code protocol}, without a client certificate, completes. */
  private static boolean handshakes(int port, String protocol) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new TrustEverything()}, new SecureRandom());
      try (SSLSocket socket = fromAttacker((SSLSocket) context.getSocketFactory().createSocket(), port)) {
        socket.setSoTimeout(10_000);
        socket.setEnabledProtocols(new String[] {protocol});
        socket.startHandshake();
        return true;
      }
    } catch (IllegalArgumentException unsupportedByThisJdk) {
      return false;
    } catch (IOException refused) {
      return false;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether the port answers an HTTP/2 connection preface sent without TLS (h2c) with SETTINGS. */
  private static boolean answersPlainHttp2(int port) {
    try (Socket socket = fromAttacker(new Socket(), port)) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
      out.flush();
      byte[] answer = socket.getInputStream().readNBytes(9);
      return answer.length == 9 && answer[3] == 4;
    } catch (IOException refused) {
      return false;
    }
  }

  /** A joiner's key pair and CSR, whose request an attacker captured. */
  private record KeyPairCsr(String csr) {
    static KeyPairCsr generate() {
      return new KeyPairCsr(NodeKeys.csrPem(NodeKeys.generate()));
    }

    IssueNodeCertificateRequest request(String token) {
      return IssueNodeCertificateRequest.newBuilder().setCsrPem(csr).setToken(token).build();
    }
  }

  /** A CA service that records every call it gets and answers with the impostor's root. */
  private static final class RecordingCa extends CAGrpc.CAImplBase {
    private final RootCa root;
    private final List<String> received;

    RecordingCa(RootCa root, List<String> received) {
      this.root = root;
      this.received = received;
    }

    @Override
    public void getRootCACertificate(GetRootCACertificateRequest request,
        StreamObserver<GetRootCACertificateResponse> observer) {
      received.add("GetRootCACertificate");
      observer.onNext(GetRootCACertificateResponse.newBuilder().setCertificatePem(root.certificatePem()).build());
      observer.onCompleted();
    }

    @Override
    public void issueNodeCertificate(IssueNodeCertificateRequest request,
        StreamObserver<IssueNodeCertificateResponse> observer) {
      received.add("IssueNodeCertificate token=" + request.getToken());
      observer.onError(new IllegalStateException("impostor"));
    }
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
