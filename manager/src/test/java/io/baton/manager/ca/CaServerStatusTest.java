package io.baton.manager.ca;

import static io.baton.manager.ca.CaFixture.anonymously;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.baton.api.IssueNodeCertificateRequest;
import io.baton.api.IssueNodeCertificateResponse;
import io.baton.api.NodeCertificateStatusRequest;
import io.baton.api.NodeCertificateStatusResponse;
import io.baton.ca.CertificateIssuer;
import io.baton.ca.NodeKeys;
import io.baton.store.InMemoryClusterStore;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** NodeCertificateStatus answers only a caller that names the node and the SHA-256 of its CSR. */
class CaServerStatusTest {

  @Test
  void aNodeRecordedWithoutACsrHashMatchesNoStatusRequest() throws Exception {
    // Found by CaServerFuzzTest: the first manager is stored without a CSR hash, and an empty hash
    // in the request used to match it, handing an anonymous caller its certificate record.
    try (InMemoryClusterStore store = CaFixture.cluster()) {
      CaServer server = CaFixture.server(store);
      for (ByteString hash : new ByteString[] {ByteString.EMPTY, ByteString.copyFrom(new byte[32])}) {
        CaFixture.Answer<NodeCertificateStatusResponse> answer = anonymously(server::nodeCertificateStatus,
            NodeCertificateStatusRequest.newBuilder().setNodeId(CaFixture.FIRST_MANAGER).setCsrSha256(hash).build());
        assertThat(answer.error()).isNotNull();
        assertThat(answer.error().getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
      }
    }
  }

  @Test
  void aJoinerGetsItsOwnStatusWithItsCsrHash() throws Exception {
    try (InMemoryClusterStore store = CaFixture.cluster()) {
      CaServer server = CaFixture.server(store);
      String csr = NodeKeys.csrPem(NodeKeys.generate());
      CaFixture.Answer<IssueNodeCertificateResponse> joined = anonymously(server::issueNodeCertificate,
          IssueNodeCertificateRequest.newBuilder().setCsrPem(csr).setToken(CaFixture.WORKER_TOKEN).build());
      NodeCertificateStatusRequest mine = NodeCertificateStatusRequest.newBuilder()
          .setNodeId(joined.response().getNodeId())
          .setCsrSha256(ByteString.copyFrom(CertificateIssuer.csrSha256(csr)))
          .build();
      CaFixture.Answer<NodeCertificateStatusResponse> answer = anonymously(server::nodeCertificateStatus, mine);
      assertThat(answer.response().getCertificateChainPem())
          .isEqualTo(store.view().node(joined.response().getNodeId()).orElseThrow().getCertificate().getCertificatePem());
    }
  }
}
