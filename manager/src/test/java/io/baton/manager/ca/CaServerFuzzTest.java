package io.baton.manager.ca;

import static io.baton.manager.ca.CaFixture.anonymously;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.baton.api.Cluster;
import io.baton.api.GetRootCACertificateRequest;
import io.baton.api.GetRootCACertificateResponse;
import io.baton.api.IssueNodeCertificateRequest;
import io.baton.api.IssueNodeCertificateResponse;
import io.baton.api.Node;
import io.baton.api.NodeCertificateStatusRequest;
import io.baton.api.NodeCertificateStatusResponse;
import io.baton.ca.NodeIdentity;
import io.baton.ca.Pem;
import io.baton.ca.Role;
import io.baton.store.InMemoryClusterStore;
import io.grpc.Status;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The CA service's three RPCs that answer callers without a certificate, fed what an anonymous
 * network attacker can send: the first input byte picks the RPC, the rest is parsed as its request
 * message (as gRPC does), and the handler runs in-process as an anonymous caller against a real
 * store holding a real cluster ({@link CaFixture}).
 *
 * <p>Contract: the answer is a response or a status a caller can act on, never INTERNAL or
 * UNKNOWN; a join succeeds only with one of the cluster's tokens and gives exactly the role of that
 * token, a fresh CA-chosen node id and a certificate naming that identity; a refused join leaves
 * the store as it was; a status answer requires the node id and the SHA-256 of its CSR.
 */
class CaServerFuzzTest {
  private static final Map<String, Role> TOKEN_ROLES = Map.of(
      CaFixture.WORKER_TOKEN, Role.WORKER, CaFixture.MANAGER_TOKEN, Role.MANAGER, CaFixture.EXTRA_TOKEN, Role.WORKER);

  @FuzzTest
  void call(byte[] input) throws Exception {
    if (input.length == 0) {
      return;
    }
    byte[] message = Arrays.copyOfRange(input, 1, input.length);
    try (InMemoryClusterStore store = CaFixture.cluster()) {
      CaServer server = CaFixture.server(store);
      switch (Math.floorMod(input[0], 3)) {
        case 0 -> rootCertificate(server, GetRootCACertificateRequest.parseFrom(message));
        case 1 -> join(store, server, IssueNodeCertificateRequest.parseFrom(message));
        default -> status(store, server, NodeCertificateStatusRequest.parseFrom(message));
      }
    } catch (InvalidProtocolBufferException e) {
      // gRPC refuses such a message before any handler runs.
    }
  }

  private static void rootCertificate(CaServer server, GetRootCACertificateRequest request) {
    CaFixture.Answer<GetRootCACertificateResponse> answer = anonymously(server::getRootCACertificate, request);
    assertThat(answer.response().getCertificatePem()).isEqualTo(CaFixture.ROOT.certificatePem());
  }

  private static void join(InMemoryClusterStore store, CaServer server, IssueNodeCertificateRequest request)
      throws Exception {
    List<Node> before = store.view().nodes();
    Cluster clusterBefore = store.view().cluster().orElseThrow();
    CaFixture.Answer<IssueNodeCertificateResponse> answer = anonymously(server::issueNodeCertificate, request);
    Role expected = TOKEN_ROLES.get(request.getToken());
    if (answer.error() != null) {
      assertThat(answer.error().getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(store.view().nodes()).isEqualTo(before);
      assertThat(store.view().cluster()).contains(clusterBefore);
      return;
    }
    assertThat(expected).as("a join succeeded with a token that is not the cluster's").isNotNull();
    IssueNodeCertificateResponse response = answer.response();
    assertThat(response.getRole()).isEqualTo(expected.toProto());
    assertThat(before).extracting(Node::getId).doesNotContain(response.getNodeId());
    Node joined = store.view().node(response.getNodeId()).orElseThrow();
    assertThat(joined.getRole()).isEqualTo(expected.toProto());
    assertThat(joined.getSpec().getDesiredRole()).isEqualTo(expected.toProto());
    NodeIdentity identity = NodeIdentity.fromCertificate(
        Pem.decodeCertificates(joined.getCertificate().getCertificatePem()).get(0));
    assertThat(identity).isEqualTo(new NodeIdentity(response.getNodeId(), expected, CaFixture.CLUSTER_ID));
    assertThat(store.view().nodes()).hasSize(before.size() + 1);
    int extraLeft = store.view().cluster().orElseThrow().getExtraJoinTokensCount();
    assertThat(extraLeft).isEqualTo(request.getToken().equals(CaFixture.EXTRA_TOKEN) ? 0 : 1);
  }

  private static void status(InMemoryClusterStore store, CaServer server, NodeCertificateStatusRequest request) {
    CaFixture.Answer<NodeCertificateStatusResponse> answer = anonymously(server::nodeCertificateStatus, request);
    if (answer.error() != null) {
      assertThat(answer.error().getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
      return;
    }
    Node node = store.view().node(request.getNodeId()).orElseThrow();
    assertThat(request.getCsrSha256().size()).as("a status answer without the CSR's SHA-256").isEqualTo(32);
    assertThat(request.getCsrSha256()).isEqualTo(node.getCertificate().getCsrSha256());
    assertThat(answer.response().getCertificateChainPem()).isEqualTo(node.getCertificate().getCertificatePem());
  }

}
