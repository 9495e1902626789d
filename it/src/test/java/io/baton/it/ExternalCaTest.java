package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.baton.agent.CertificateRenewer;
import io.baton.api.CAGrpc;
import io.baton.api.Cluster;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.GetClusterRequest;
import io.baton.api.IssueNodeCertificateRequest;
import io.baton.api.NodeState;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceSpec;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.ca.CaDigest;
import io.baton.ca.Credentials;
import io.baton.ca.JoinToken;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeys;
import io.baton.ca.RemoteCa;
import io.baton.ca.Role;
import io.baton.node.BatonNode;
import io.baton.node.InitOptions;
import io.baton.node.NodeException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * {@code init --external-ca cfssl=URL} against a real {@code cfssl serve} on loopback whose signing
 * profile requires an auth key: every certificate is signed by CFSSL's root with the identity baton
 * assigns, no manager holds the root key, and a CFSSL that goes away fails joins and renewals
 * cleanly while the running cluster keeps working, and one that starts signing with another root
 * gets nothing it signs handed out.
 */
@Timeout(240)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExternalCaTest {
  private static Path dir;
  private static CfsslServer cfssl;
  private static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(CfsslServer.installed(),
        "skipped: " + CfsslServer.CFSSL + " is absent (install Debian's golang-cfssl)");
    dir = Files.createTempDirectory("baton-cfssl-");
    cfssl = CfsslServer.start(dir, CfsslServer.Options.standard());
    cluster = TestCluster.startWithExternalCa(1, new InitOptions.ExternalCa(cfssl.endpoint(), cfssl.root()));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (cfssl != null) {
      cfssl.close();
    }
  }

  @Test
  @Order(10)
  void certificatesChainToTheCfsslRootWithTheIdentityBatonAssigns() throws Exception {
    Cluster c = cluster.store().view().cluster().orElseThrow();
    assertThat(c.getRootCa().getCaCertPem()).isEqualTo(Files.readString(cfssl.rootPem()).strip() + "\n");
    assertThat(c.getRootCa().getExternalCa().getUrl()).isEqualTo(cfssl.url());
    assertThat(JoinToken.parse(cluster.workerToken()).caDigest()).isEqualTo(CaDigest.of(cfssl.root()));

    for (BatonNode node : List.of(cluster.manager(), cluster.workers().get(0))) {
      List<X509Certificate> chain = node.credentials().chain();
      X509Certificate leaf = chain.get(0);
      assertThat(chain).hasSize(2).last().isEqualTo(cfssl.root());
      leaf.verify(cfssl.root().getPublicKey());
      Role role = node == cluster.manager() ? Role.MANAGER : Role.WORKER;
      assertThat(NodeIdentity.fromCertificate(leaf))
          .isEqualTo(new NodeIdentity(node.identity().nodeId(), role, c.getId()));
      assertThat(leaf.getSubjectX500Principal().getName())
          .isEqualTo("CN=" + node.identity().nodeId() + ",OU=" + role.ou() + ",O=" + c.getId());
      assertThat(Files.readString(node.stateDir().root().resolve("certificates/root-ca.crt")))
          .contains(Files.readString(cfssl.rootPem()).strip().lines().skip(1).findFirst().orElseThrow());
    }
    assertThat(cluster.node(cluster.workers().get(0).identity().nodeId()).getStatus().getState())
        .isEqualTo(NodeState.NODE_STATE_READY);

    var info = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()))
        .getCluster(GetClusterRequest.getDefaultInstance());
    assertThat(info.getExternalCaUrl()).isEqualTo(cfssl.url());
  }

  @Test
  @Order(20)
  void noManagerHoldsTheRootKeyAnywhere() throws Exception {
    Cluster c = cluster.store().view().cluster().orElseThrow();
    assertThat(c.getRootCa().getCaKeyPem()).isEmpty();
    // The only private keys in any state dir are the nodes' own TLS keys.
    assertThat(StateDirScan.filesContaining(cluster.root(), "PRIVATE KEY".getBytes(StandardCharsets.US_ASCII)))
        .isNotEmpty()
        .allSatisfy(p -> assertThat(p.getFileName()).hasToString("node.key"));
    String rootKeyLine = Files.readString(cfssl.rootKeyPem()).lines().skip(1).findFirst().orElseThrow();
    StateDirScan.assertNoneContains(cluster.root(), rootKeyLine);
    // The CFSSL auth key is in the (encrypted) store for the managers, never in a control API answer.
    assertThat(c.getRootCa().getExternalCa().getAuthKey().toByteArray()).isEqualTo(cfssl.authKey());
    byte[] answer = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()))
        .getCluster(GetClusterRequest.getDefaultInstance()).toByteArray();
    assertThat(StateDirScan.contains(answer, cfssl.authKey())).isFalse();
    assertThat(StateDirScan.filesContaining(cluster.root(), cfssl.authKey())).isEmpty();
  }

  @Test
  @Order(30)
  void aJoinerCannotSmuggleSubjectAttributesThroughCfssl() throws Exception {
    int nodesBefore = cluster.store().view().nodes().size();
    var anonymous = CAGrpc.newBlockingStub(cluster.channelAs(null));
    String csr = Csrs.withSubject(NodeKeys.generate(), "C=US,L=Anywhere,OU=baton-manager,CN=chosen");
    assertThatThrownBy(() -> anonymous.issueNodeCertificate(IssueNodeCertificateRequest.newBuilder()
            .setCsrPem(csr).setToken(cluster.workerToken()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription())
              .startsWith("external CA at " + cfssl.url() + " returned a certificate baton does not hand out")
              .contains("besides CN, OU and O")
              .doesNotContain("Anywhere");
        });
    assertThat(cluster.store().view().nodes()).hasSize(nodesBefore);
  }

  @Test
  @Order(40)
  void renewalGoesThroughCfssl() {
    BatonNode worker = cluster.workers().get(0);
    Credentials renewed = RemoteCa.renew(cluster.channelAs(worker.credentials()), worker.identity(),
        List.of(cfssl.root()), Clock.systemUTC());
    assertThat(renewed.identity()).isEqualTo(worker.identity());
    assertThat(renewed.chain().get(1)).isEqualTo(cfssl.root());
    assertThat(renewed.leaf().getSerialNumber()).isNotEqualTo(worker.credentials().leaf().getSerialNumber());
  }

  @Test
  @Order(50)
  void withCfsslStoppedJoinsAndRenewalsFailClearlyAndTheClusterKeepsRunning() throws Exception {
    var control = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName("steady")
        .setReplicated(ReplicatedService.newBuilder().setReplicas(1));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "300"))
        .setStopGracePeriodMs(2_000);
    spec.getTaskBuilder().getPlacementBuilder().addConstraints("node.role==worker");
    control.createService(CreateServiceRequest.newBuilder().setSpec(spec).build());
    await().atMost(Duration.ofSeconds(60)).until(() -> running("steady").size() == 1);
    Task before = running("steady").get(0);

    cfssl.stop();
    String unreachable = "external CA at " + cfssl.url() + " is unreachable: connection refused";

    Path joiner = cluster.root().resolve("late-worker");
    assertThatThrownBy(() -> cluster.joinWorker(joiner, "late-worker", cluster.workerToken(), null))
        .isInstanceOf(NodeException.class)
        .hasMessage("cannot join the cluster at " + cluster.managerAddress() + ": " + unreachable);
    assertThat(joiner.resolve("node.json")).doesNotExist();

    BatonNode worker = cluster.workers().get(0);
    assertThatThrownBy(() -> RemoteCa.renew(cluster.channelAs(worker.credentials()), worker.identity(),
            List.of(cfssl.root()), Clock.systemUTC()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).isEqualTo(unreachable);
        });

    // The worker keeps its session on its current certificate and its task keeps running.
    Thread.sleep(3_000);
    assertThat(cluster.node(worker.identity().nodeId()).getStatus().getState()).isEqualTo(NodeState.NODE_STATE_READY);
    assertThat(running("steady")).extracting(Task::getId).containsExactly(before.getId());

    // The worker's own renewal retries with a doubling delay, and succeeds once CFSSL is back.
    ListAppender<ILoggingEvent> renewals = watchRenewals();
    try {
      BigInteger serial = worker.credentials().leaf().getSerialNumber();
      worker.renewer().renewNow();
      await().atMost(Duration.ofSeconds(30)).until(() -> failures(renewals).size() >= 2);
      assertThat(failures(renewals).subList(0, 2)).satisfiesExactly(
          first -> assertThat(first).contains(unreachable).contains("retrying in 1 s"),
          second -> assertThat(second).contains(unreachable).contains("retrying in 2 s"));

      // Back again: the pending renewal and the next join work without touching the cluster.
      cfssl.start();
      await().atMost(Duration.ofSeconds(30))
          .until(() -> !worker.credentials().leaf().getSerialNumber().equals(serial));
      assertThat(worker.credentials().chain().get(1)).isEqualTo(cfssl.root());
    } finally {
      renewerLog().detachAppender(renewals);
    }
    BatonNode late = cluster.joinWorker(cluster.root().resolve("late-worker-2"), "late-worker-2",
        cluster.workerToken(), null);
    assertThat(late.credentials().chain().get(1)).isEqualTo(cfssl.root());
  }

  @Test
  @Order(60)
  void theCliShowsTheExternalCaAndRefusesBadSettingsInOneLine() throws Exception {
    String stateDir = cluster.manager().stateDir().root().toString();
    Cli.Result ca = Cli.run("--state-dir", stateDir, "ca");
    assertThat(ca.exitCode()).isZero();
    assertThat(ca.out()).isEqualTo(Files.readString(cfssl.rootPem()).strip() + "\n");
    assertThat(ca.err()).contains("signed by the external CA cfssl=" + cfssl.url());
    assertThat(Cli.run("--state-dir", stateDir, "cluster", "inspect").out())
        .contains("\"externalCa\" : \"cfssl=" + cfssl.url() + "\"");

    Path fresh = cluster.root().resolve("never-initialized");
    Cli.Result protocol = Cli.run("--state-dir", fresh.toString(), "init", "--external-ca", "acme=http://127.0.0.1:1");
    assertThat(protocol.exitCode()).isEqualTo(125);
    assertThat(protocol.err().strip()).isEqualTo("baton: external CA must be given as cfssl=URL (CFSSL is the only protocol)");
    Cli.Result https = Cli.run("--state-dir", fresh.toString(), "init", "--external-ca", "cfssl=https://127.0.0.1:1");
    assertThat(https.exitCode()).isEqualTo(125);
    assertThat(https.err().strip()).startsWith("baton: an https external CA needs --external-ca-cert FILE");

    int dead = Ports.freePair();
    Cli.Result down = Cli.run("--state-dir", fresh.toString(), "init", "--listen-addr", "127.0.0.1:" + Ports.freePair(),
        "--external-ca", "cfssl=http://127.0.0.1:" + dead, "--external-ca-cert", cfssl.rootPem().toString());
    assertThat(down.exitCode()).isEqualTo(1);
    assertThat(down.err().strip().lines().filter(l -> l.startsWith("Error:")))
        .containsExactly("Error: cannot initialize the cluster: external CA at http://127.0.0.1:" + dead
            + " is unreachable: connection refused");
    assertThat(fresh.resolve("node.json")).doesNotExist();
  }

  @Test
  @Order(70)
  void aSecondManagerGetsItsCertificateFromCfsslAndSignsJoinsThroughIt() throws Exception {
    BatonNode second = cluster.addManager();
    X509Certificate leaf = second.credentials().leaf();
    assertThat(second.credentials().chain().get(1)).isEqualTo(cfssl.root());
    assertThat(NodeIdentity.fromCertificate(leaf).role()).isEqualTo(Role.MANAGER);
    assertThat(leaf.getSubjectAlternativeNames()).extracting(name -> (Object) name.get(1))
        .containsExactlyInAnyOrder("baton-manager", second.identity().nodeId());

    cluster.leader(); // a settled Raft group, so the join's write is not caught in an election
    BatonNode viaSecond = BatonNode.join(new io.baton.node.JoinOptions(cluster.root().resolve("via-second"),
        cluster.workerToken(), TestCluster.apiAddress(second), "127.0.0.1:0", "127.0.0.1:0", "process", null),
        TestCluster.settings("via-second"));
    cluster.adopt(viaSecond, cluster.root().resolve("via-second"));
    assertThat(viaSecond.credentials().chain().get(1)).isEqualTo(cfssl.root());
  }

  @Test
  @Order(80)
  void aCfsslSigningWithAnotherRootMidRunIsRefusedAndNodesKeepTheirCertificates() throws Exception {
    BatonNode worker = cluster.workers().get(0);
    int nodesBefore = cluster.store().view().nodes().size();
    String refused = "external CA at " + cfssl.url() + " returned a certificate baton does not hand out: "
        + "peer certificate chain is not signed by a trusted root CA of this cluster";
    List<BatonNode> nodes = List.of(cluster.manager(), worker);
    List<String> trustBefore = new ArrayList<>();
    for (BatonNode node : nodes) {
      trustBefore.add(Files.readString(node.stateDir().root().resolve("certificates/root-ca.crt")));
    }
    ListAppender<ILoggingEvent> renewals = watchRenewals();
    cfssl.restartWithAnotherRoot();
    try {
      assertThatThrownBy(() -> RemoteCa.renew(cluster.channelAs(worker.credentials()), worker.identity(),
              List.of(cfssl.root()), Clock.systemUTC()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).isEqualTo(refused);
          });
      Path joiner = cluster.root().resolve("other-root-joiner");
      assertThatThrownBy(() -> cluster.joinWorker(joiner, "other-root-joiner", cluster.workerToken(), null))
          .isInstanceOf(NodeException.class)
          .hasMessage("cannot join the cluster at " + cluster.managerAddress() + ": " + refused);
      assertThat(joiner.resolve("node.json")).doesNotExist();
      assertThat(cluster.store().view().nodes()).hasSize(nodesBefore);

      // The worker's own renewal is refused the same way; it keeps its certificate and its session.
      X509Certificate held = worker.credentials().leaf();
      worker.renewer().renewNow();
      await().atMost(Duration.ofSeconds(30)).until(() -> failures(renewals).stream().anyMatch(m -> m.contains(refused)));
      assertThat(worker.credentials().leaf()).isEqualTo(held);
      assertThat(cluster.node(worker.identity().nodeId()).getStatus().getState()).isEqualTo(NodeState.NODE_STATE_READY);
      for (int i = 0; i < nodes.size(); i++) {
        BatonNode node = nodes.get(i);
        assertThat(node.credentials().chain().get(1)).isEqualTo(cfssl.root());
        assertThat(Files.readString(node.stateDir().root().resolve("certificates/root-ca.crt")))
            .isEqualTo(trustBefore.get(i));
      }
    } finally {
      cfssl.restartWithItsRoot();
    }
    // Signing with the configured root again: the pending renewal goes through.
    X509Certificate held = worker.credentials().leaf();
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> !worker.credentials().leaf().equals(held));
    } finally {
      renewerLog().detachAppender(renewals);
    }
    worker.credentials().leaf().verify(cfssl.root().getPublicKey());
  }

  /** Collects what the nodes' certificate renewers log, until detached from {@link #renewerLog()}. */
  private static ListAppender<ILoggingEvent> watchRenewals() {
    ListAppender<ILoggingEvent> renewals = new ListAppender<>();
    renewals.start();
    renewerLog().addAppender(renewals);
    return renewals;
  }

  private static Logger renewerLog() {
    return (Logger) LoggerFactory.getLogger(CertificateRenewer.class);
  }

  private static List<String> failures(ListAppender<ILoggingEvent> renewals) {
    return renewals.list.stream().map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.startsWith("certificate renewal failed")).toList();
  }

  private static List<Task> running(String service) {
    var view = cluster.store().view();
    String id = view.services().stream().filter(s -> s.getSpec().getName().equals(service))
        .findFirst().orElseThrow().getId();
    return view.tasksOfService(id).stream()
        .filter(t -> t.getDesiredState() == TaskState.TASK_STATE_RUNNING)
        .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING)
        .toList();
  }
}
