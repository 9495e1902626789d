package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.CAGrpc;
import io.baton.api.ControlGrpc;
import io.baton.api.IssueNodeCertificateRequest;
import io.baton.api.ListNodesRequest;
import io.baton.ca.JoinToken;
import io.baton.ca.NodeKeys;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An attacker who knows the CA digest (it is public) guesses join-token secrets as fast as it can:
 * the rate limiter cuts it off, no guess creates a node, and enrolled nodes keep being served.
 */
@Timeout(120)
class BootstrapFloodTest {

  @Test
  void guessedTokensAreThrottledAndCreateNothing() throws Exception {
    try (TestCluster cluster = TestCluster.start(1)) {
      String digest = JoinToken.parse(cluster.workerToken()).caDigest();
      String csr = NodeKeys.csrPem(NodeKeys.generate());
      var ca = CAGrpc.newBlockingStub(cluster.channelAs(null));
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
      assertThat(cluster.store().view().nodes()).hasSize(2);

      // Nodes with certificates are not throttled by what anonymous callers do.
      var nodes = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()))
          .listNodes(ListNodesRequest.getDefaultInstance());
      assertThat(nodes.getNodesCount()).isEqualTo(2);
      assertThat(cluster.workers().get(0).agent().sessionId()).isPresent();
    }
  }
}
