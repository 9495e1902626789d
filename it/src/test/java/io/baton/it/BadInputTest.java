package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.CAGrpc;
import io.baton.api.ControlGrpc;
import io.baton.api.IssueNodeCertificateRequest;
import io.baton.api.ListNodesRequest;
import io.baton.ca.NodeKeys;
import io.baton.node.BatonNode;
import io.baton.node.InitOptions;
import io.baton.node.NodeException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hostile or mistaken input gets a clear error and the manager keeps serving. */
@Timeout(120)
class BadInputTest {
  private static TestCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(0);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  void portInUseIsAClearErrorAndLeavesNoHalfInitializedStateDir() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      var dir = Files.createTempDirectory("baton-port");
      String addr = "127.0.0.1:" + taken.getLocalPort();
      assertThatThrownBy(() -> BatonNode.init(new InitOptions(dir, addr, addr, "127.0.0.1:" + Ports.freePair(),
          Duration.ofHours(24), Duration.ofSeconds(5), "process", Map.of(), false), TestCluster.settings("x")))
          .isInstanceOf(NodeException.class)
          .hasMessageContaining("address already in use");
      assertThat(dir.resolve("node.json")).doesNotExist();
      assertThat(dir.resolve("certificates")).doesNotExist();
    }
  }

  @Test
  void initRefusesAStateDirThatHoldsANode() {
    assertThatThrownBy(() -> BatonNode.init(new InitOptions(cluster.manager().stateDir().root(), "127.0.0.1:1",
        null, null, Duration.ofHours(24), Duration.ofSeconds(5), "process", Map.of(), false), TestCluster.settings("x")))
        .isInstanceOf(NodeException.class)
        .hasMessageContaining("already holds a node");
  }

  @Test
  void startWithoutANodeIsAClearError() throws Exception {
    var empty = Files.createTempDirectory("baton-empty");
    assertThatThrownBy(() -> BatonNode.start(empty, TestCluster.settings("x")))
        .isInstanceOf(NodeException.class)
        .hasMessageContaining("no node in");
  }

  @Test
  void garbageOnTheTlsPortDoesNotDisturbTheManager() throws Exception {
    int port = Integer.parseInt(cluster.managerAddress().split(":")[1]);
    byte[] junk = new byte[64 * 1024];
    new SecureRandom().nextBytes(junk);
    for (int i = 0; i < 20; i++) {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        OutputStream out = socket.getOutputStream();
        out.write("GET / HTTP/1.1\r\n\r\n".getBytes());
        out.write(junk);
        out.flush();
      } catch (java.io.IOException resetByPeer) {
        // the manager hanging up on garbage is the point
      }
    }
    assertStillServing();
  }

  @Test
  void tenMebibyteCsrIsRefusedAndTheManagerKeepsServing() throws Exception {
    String huge = "-----BEGIN CERTIFICATE REQUEST-----\n" + "A".repeat(10 * 1024 * 1024) + "\n-----END CERTIFICATE REQUEST-----\n";
    var ca = CAGrpc.newBlockingStub(cluster.channelAs(null));
    assertThatThrownBy(() -> ca.issueNodeCertificate(IssueNodeCertificateRequest.newBuilder()
        .setCsrPem(huge).setToken(cluster.workerToken()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
            .isIn(Status.Code.RESOURCE_EXHAUSTED, Status.Code.INVALID_ARGUMENT));
    String garbage = NodeKeys.csrPem(NodeKeys.generate()).replace('A', 'B');
    assertThatThrownBy(() -> ca.issueNodeCertificate(IssueNodeCertificateRequest.newBuilder()
        .setCsrPem(garbage).setToken(cluster.workerToken()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(cluster.store().view().nodes()).hasSize(1);
    assertStillServing();
  }

  private static void assertStillServing() {
    var nodes = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()))
        .listNodes(ListNodesRequest.getDefaultInstance());
    assertThat(nodes.getNodesCount()).isGreaterThanOrEqualTo(1);
  }
}
