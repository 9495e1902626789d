package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.CAGrpc;
import io.baton.api.IssueNodeCertificateRequest;
import io.baton.api.Node;
import io.baton.api.NodeCertificateStatusRequest;
import io.baton.ca.CertificateIssuer;
import io.baton.ca.JoinToken;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeys;
import io.baton.ca.Pem;
import io.baton.ca.Role;
import io.baton.node.BatonNode;
import io.baton.node.JoinOptions;
import io.baton.node.NodeException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Joining: the token decides the role, the CA decides the identity, a bad token creates nothing. */
@Timeout(120)
class JoinTest {
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
  void workerTokenGivesAWorkerCertificateWithTheAssignedIdentity() throws Exception {
    BatonNode worker = cluster.workers().get(0);
    X509Certificate leaf = worker.credentials().leaf();
    NodeIdentity identity = NodeIdentity.fromCertificate(leaf);
    assertThat(identity.role()).isEqualTo(Role.WORKER);
    assertThat(identity.nodeId()).matches("[0-9a-z]{25}");
    assertThat(identity.clusterId()).isEqualTo(cluster.manager().identity().clusterId());
    assertThat(leaf.getSubjectAlternativeNames()).noneSatisfy(san -> assertThat(san.get(1)).isEqualTo("baton-manager"));
    assertThat(cluster.node(identity.nodeId()).getRole().name()).isEqualTo("NODE_ROLE_WORKER");
    assertThat(Files.readString(worker.stateDir().nodeCert())).contains("BEGIN CERTIFICATE");
  }

  @Test
  void managerTokenGivesAManagerCertificate() throws Exception {
    X509Certificate leaf = issueDirectly(cluster.managerToken(), NodeKeys.generate()).get(0);
    NodeIdentity identity = NodeIdentity.fromCertificate(leaf);
    assertThat(identity.role()).isEqualTo(Role.MANAGER);
    assertThat(identity.clusterId()).isEqualTo(cluster.manager().identity().clusterId());
    assertThat(leaf.getSubjectAlternativeNames()).anySatisfy(san -> assertThat(san.get(1)).isEqualTo("baton-manager"));
  }

  @Test
  void csrAskingForAnotherIdentityGetsTheAssignedOne() throws Exception {
    // The CSR names the manager's node id, the manager OU and another cluster; the CA ignores all of it.
    KeyPair keys = NodeKeys.generate();
    String forged = Csrs.withSubject(keys,
        "CN=" + cluster.manager().identity().nodeId() + ",OU=baton-manager,O=evil-cluster");
    List<X509Certificate> chain = issueWithCsr(cluster.workerToken(), forged);
    NodeIdentity identity = NodeIdentity.fromCertificate(chain.get(0));
    assertThat(identity.role()).isEqualTo(Role.WORKER);
    assertThat(identity.nodeId()).isNotEqualTo(cluster.manager().identity().nodeId()).matches("[0-9a-z]{25}");
    assertThat(identity.clusterId()).isEqualTo(cluster.manager().identity().clusterId());
    assertThat(chain.get(0).getPublicKey()).isEqualTo(keys.getPublic());
  }

  @Test
  void wrongSecretIsRefusedAndCreatesNoNode() throws Exception {
    int before = cluster.store().view().nodes().size();
    JoinToken real = JoinToken.parse(cluster.workerToken());
    String guessed = "BTNTKN-1-" + real.caDigest() + "-" + "0".repeat(25);
    assertThatThrownBy(() -> issueDirectly(guessed, NodeKeys.generate()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("valid join token");
        });
    assertThat(cluster.store().view().nodes()).hasSize(before);
  }

  @Test
  void malformedTokenFailsLocallyWithoutTouchingTheNetwork() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = Thread.ofVirtual().start(() -> {
        try {
          while (true) {
            listener.accept().close();
            connections.incrementAndGet();
          }
        } catch (IOException closed) {
          // listener closed
        }
      });
      for (String bad : List.of("", "garbage", "SWMTKN-1-abc-def", "BTNTKN-2-" + "0".repeat(50) + "-" + "0".repeat(25),
          "BTNTKN-1-" + "0".repeat(49) + "-" + "0".repeat(25), cluster.workerToken().toUpperCase())) {
        var dir = Files.createTempDirectory("baton-badtoken");
        assertThatThrownBy(() -> BatonNode.join(new JoinOptions(dir, bad, "127.0.0.1:" + listener.getLocalPort(),
            "127.0.0.1:0", "127.0.0.1:0", "process", null), TestCluster.settings("bad")))
            .isInstanceOf(NodeException.class)
            .hasMessageStartingWith("invalid join token");
        assertThat(dir.resolve("node.json")).doesNotExist();
      }
      listener.close();
      acceptor.join();
    }
    assertThat(connections).hasValue(0);
  }

  private static List<X509Certificate> issueDirectly(String token, KeyPair keys) throws Exception {
    return issueWithCsr(token, NodeKeys.csrPem(keys));
  }

  private static List<X509Certificate> issueWithCsr(String token, String csr) throws Exception {
    var ca = CAGrpc.newBlockingStub(cluster.channelAs(null));
    var issued = ca.issueNodeCertificate(IssueNodeCertificateRequest.newBuilder().setCsrPem(csr).setToken(token).build());
    Node node = cluster.node(issued.getNodeId());
    assertThat(node.getRole()).isEqualTo(issued.getRole());
    var status = ca.nodeCertificateStatus(NodeCertificateStatusRequest.newBuilder()
        .setNodeId(issued.getNodeId())
        .setCsrSha256(com.google.protobuf.ByteString.copyFrom(CertificateIssuer.csrSha256(csr)))
        .build());
    return Pem.decodeCertificates(status.getCertificateChainPem());
  }
}
