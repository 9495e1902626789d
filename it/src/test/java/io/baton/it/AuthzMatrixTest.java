package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.AuthzRule;
import io.baton.api.CAGrpc;
import io.baton.api.ControlGrpc;
import io.baton.api.RaftMembershipGrpc;
import io.baton.api.DispatcherGrpc;
import io.baton.api.ListNodesRequest;
import io.baton.api.Principal;
import io.baton.api.Toggle;
import io.baton.api.UpdateClusterRequest;
import io.baton.ca.CertificateIssuer;
import io.baton.ca.Credentials;
import io.baton.ca.JoinToken;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeys;
import io.baton.ca.RemoteCa;
import io.baton.ca.Role;
import io.baton.ca.RootCa;
import io.baton.manager.auth.AuthorizationInterceptor;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * The authorization matrix of DESIGN §3, one assertion per (method, caller) cell, over real mutual
 * TLS against a running manager: anonymous callers, a worker's real certificate, the manager's, and
 * the real manager-OU certificate of a node whose join awaits approval.
 */
@Timeout(180)
class AuthzMatrixTest {
  private static final List<ServiceDescriptor> SERVICES = List.of(
      CAGrpc.getServiceDescriptor(), DispatcherGrpc.getServiceDescriptor(), ControlGrpc.getServiceDescriptor(),
      // GetDataKeys hands out the store's keys: a worker's or an anonymous caller's request must fail.
      RaftMembershipGrpc.getServiceDescriptor());

  private static TestCluster cluster;
  /** A manager-token join made while join approval is on: pending, whatever its certificate says. */
  private static Credentials pending;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(1);
    ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()))
        .updateCluster(UpdateClusterRequest.newBuilder().setJoinApproval(Toggle.TOGGLE_ON).build());
    pending = RemoteCa.join(cluster.managerAddress(), JoinToken.parse(cluster.managerToken()), Clock.systemUTC())
        .credentials();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @TestFactory
  Stream<DynamicTest> everyMethodAnswersExactlyTheRolesItDeclares() {
    Channel anonymous = cluster.channelAs(null);
    Channel worker = cluster.channelAs(cluster.workers().get(0).credentials());
    Channel manager = cluster.channelAs(cluster.manager().credentials());
    Channel awaitingApproval = cluster.channelAs(pending);
    List<DynamicTest> cells = new ArrayList<>();
    for (ServiceDescriptor service : SERVICES) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        AuthzRule rule = AuthorizationInterceptor.ruleOf(method).orElseThrow();
        cells.add(cell(method, Principal.PRINCIPAL_ANONYMOUS, anonymous, rule, Status.Code.UNAUTHENTICATED));
        cells.add(cell(method, Principal.PRINCIPAL_WORKER, worker, rule, Status.Code.PERMISSION_DENIED));
        cells.add(cell(method, Principal.PRINCIPAL_MANAGER, manager, rule, Status.Code.PERMISSION_DENIED));
        cells.add(cell(method, Principal.PRINCIPAL_PENDING, awaitingApproval, rule, Status.Code.PERMISSION_DENIED));
      }
    }
    return cells.stream();
  }

  private static DynamicTest cell(
      MethodDescriptor<?, ?> method, Principal who, Channel channel, AuthzRule rule, Status.Code refusal) {
    boolean allowed = rule.getAllowList().contains(who);
    return DynamicTest.dynamicTest(method.getFullMethodName() + " as " + who + (allowed ? " allowed" : " refused"), () -> {
      Status.Code code = Rpcs.probe(channel, method);
      if (allowed) {
        assertThat(code).isNotIn(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED, Status.Code.UNAVAILABLE);
      } else {
        assertThat(code).isEqualTo(refusal);
      }
    });
  }

  @Test
  void controlApiIsManagersOnlyAndTheMatrixCoversItAll() {
    for (MethodDescriptor<?, ?> method : ControlGrpc.getServiceDescriptor().getMethods()) {
      assertThat(AuthorizationInterceptor.ruleOf(method).orElseThrow().getAllowList())
          .containsExactly(Principal.PRINCIPAL_MANAGER);
    }
  }

  @Test
  void managerOuOnAWorkerNodeActsAsAWorker() throws Exception {
    // A certificate signed by the real root that claims OU=baton-manager for a node the store knows as a
    // worker (what a demoted manager still holds): treated as the lesser role.
    var clusterObject = cluster.store().view().cluster().orElseThrow();
    RootCa root = RootCa.fromPem(clusterObject.getRootCa().getCaCertPem(), clusterObject.getRootCa().getCaKeyPem());
    String workerId = cluster.workers().get(0).identity().nodeId();
    var keys = NodeKeys.generate();
    var issued = new CertificateIssuer(Clock.systemUTC(), new SecureRandom()).issue(root, NodeKeys.csrPem(keys),
        new NodeIdentity(workerId, Role.MANAGER, clusterObject.getId()), Duration.ofHours(1));
    Channel channel = cluster.channelAs(new Credentials(keys.getPrivate(), issued.chain()));
    try {
      ControlGrpc.newBlockingStub(channel).listNodes(ListNodesRequest.getDefaultInstance());
      throw new AssertionError("a worker node with a manager OU listed nodes");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }
  }
}
