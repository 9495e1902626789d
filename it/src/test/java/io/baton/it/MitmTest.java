package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.CAGrpc;
import io.baton.api.GetRootCACertificateRequest;
import io.baton.api.GetRootCACertificateResponse;
import io.baton.api.IssueNodeCertificateRequest;
import io.baton.api.IssueNodeCertificateResponse;
import io.baton.ca.ClusterTrustManager;
import io.baton.ca.Credentials;
import io.baton.ca.Identifiers;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeyManager;
import io.baton.ca.Role;
import io.baton.ca.RootCa;
import io.baton.ca.TlsContexts;
import io.baton.node.BatonNode;
import io.baton.node.JoinOptions;
import io.baton.node.NodeException;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A man in the middle with its own CA (even one that copies the real cluster's id and a manager OU)
 * cannot get a joiner to send it anything: the joiner pins the root named by the token's digest
 * during the TLS handshake, so no RPC — no root fetch, no CSR, no token — reaches the impostor.
 */
@Timeout(120)
class MitmTest {
  private static TestCluster cluster;
  private static Server impostor;
  private static final List<String> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(0);
    String clusterId = cluster.manager().identity().clusterId();
    RootCa fake = RootCa.create(clusterId, Clock.systemUTC(), new SecureRandom());
    Credentials fakeManager = TlsTest.issue(fake,
        new NodeIdentity(Identifiers.newId(new SecureRandom()), Role.MANAGER, clusterId), Clock.systemUTC(),
        Duration.ofHours(1));
    impostor = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(TlsContexts.server(new NodeKeyManager(fakeManager).keyManager(),
            new ClusterTrustManager(clusterId, List.of(fake.certificate()), Clock.systemUTC())))
        .addService(new RecordingCa(fake))
        .build()
        .start();
  }

  @AfterAll
  static void stop() {
    impostor.shutdownNow();
    cluster.close();
  }

  @Test
  void joinerRefusesTheImpostorBeforeSendingAnything() throws Exception {
    var dir = Files.createTempDirectory("baton-mitm");
    assertThatThrownBy(() -> BatonNode.join(new JoinOptions(dir, cluster.workerToken(),
        "127.0.0.1:" + impostor.getPort(), "127.0.0.1:0", "127.0.0.1:0", "process", null), TestCluster.settings("victim")))
        .isInstanceOf(NodeException.class)
        .hasMessageContaining("does not match the join token");
    assertThat(received).isEmpty();
    assertThat(dir.resolve("certificates/node.key")).doesNotExist();
    assertThat(dir.resolve("node.json")).doesNotExist();
  }

  /** A CA service that records every call it gets and answers with the impostor's root. */
  private static final class RecordingCa extends CAGrpc.CAImplBase {
    private final RootCa root;

    RecordingCa(RootCa root) {
      this.root = root;
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
}
