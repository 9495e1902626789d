package io.baton.manager.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.Cluster;
import io.baton.api.ExtraJoinToken;
import io.baton.api.JoinTokens;
import io.baton.api.Node;
import io.baton.api.NodeCertificate;
import io.baton.api.NodeDescription;
import io.baton.api.NodeRole;
import io.baton.api.NodeState;
import io.baton.api.NodeStatus;
import io.baton.api.RootCA;
import io.baton.ca.CertificateIssuer;
import io.baton.ca.IssuedCertificate;
import io.baton.ca.JoinToken;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeys;
import io.baton.ca.Pem;
import io.baton.ca.Role;
import io.baton.ca.RootCa;
import io.baton.store.InMemoryClusterStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The leader's side of a root rotation over a real (in-memory) store: nodes are asked to renew a
 * batch at a time, a node that is down holds the rotation up, and finishing replaces the root and
 * the join tokens exactly once.
 */
class RootRotationReconcilerTest {
  private static final String CLUSTER = "c0000000000000000000000000";
  private final SecureRandom random = new SecureRandom();
  private final Clock clock = Clock.systemUTC();
  private final CertificateIssuer issuer = new CertificateIssuer(clock, random);
  private final InMemoryClusterStore store = new InMemoryClusterStore(clock);
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final RootCaCache signers = new RootCaCache();
  private final RootCa oldRoot = RootCa.create(CLUSTER, clock, random);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private Node node(String id, NodeState state, Cluster cluster) throws Exception {
    RootCaCache.Signer signer = signers.get(cluster);
    IssuedCertificate cert = issuer.issue(signer.root(), signer.chainTail(), NodeKeys.csrPem(NodeKeys.generate()),
        new NodeIdentity(id, Role.WORKER, CLUSTER), Duration.ofHours(1));
    return Node.newBuilder().setId(id).setRole(NodeRole.NODE_ROLE_WORKER)
        .setStatus(NodeStatus.newBuilder().setState(state))
        .setDescription(NodeDescription.newBuilder().setCertificateSerial(cert.serialHex()))
        .setCertificate(NodeCertificate.newBuilder().setCertificatePem(cert.chainPem()).setSerial(cert.serialHex()))
        .build();
  }

  private Cluster cluster() {
    return store.view().cluster().orElseThrow();
  }

  private List<String> asked() {
    return store.view().nodes().stream().filter(n -> n.getCertificate().getRotate()).map(Node::getId).toList();
  }

  @Test
  void movesReadyNodesABatchAtATimeWaitsForDownNodesAndFinishesOnce() throws Exception {
    String oldToken = JoinToken.generate(oldRoot.digest(), random).toString();
    Cluster initial = Cluster.newBuilder().setId(CLUSTER)
        .setRootCa(RootCA.newBuilder().setCaCertPem(oldRoot.certificatePem()).setCaKeyPem(oldRoot.keyPem())
            .setDigest(oldRoot.digest()))
        .setJoinTokens(JoinTokens.newBuilder().setWorker(oldToken).setManager(oldToken))
        .addExtraJoinTokens(ExtraJoinToken.newBuilder().setId("extra"))
        .build();
    store.update(tx -> {
      tx.put(initial);
      return null;
    });
    for (int i = 0; i < 5; i++) {
      Node n = node("n" + i, NodeState.NODE_STATE_READY, initial);
      store.update(tx -> {
        tx.put(n);
        return null;
      });
    }
    Node down = node("down", NodeState.NODE_STATE_DOWN, initial);
    store.update(tx -> {
      tx.put(down);
      tx.put(RootRotations.start(initial, clock, random));
      return null;
    });
    String newDigest = cluster().getRootCa().getRotation().getDigest();
    var reconciler = new RootRotationReconciler(store,
        new RootRotationReconciler.Config(2, Duration.ofHours(1), Duration.ofHours(1)), clock, random, scheduler);

    reconciler.pass();
    List<String> first = asked();
    assertThat(first).hasSize(2).doesNotContain("down");
    reconciler.pass();
    assertThat(asked()).as("no new batch while the first is renewing").isEqualTo(first);

    int renewed = 0;
    while (renewed < 5) {
      for (String id : asked()) {
        Node renewedNode = node(id, NodeState.NODE_STATE_READY, cluster());
        store.update(tx -> {
          tx.put(renewedNode);
          return null;
        });
        renewed++;
      }
      reconciler.pass();
      assertThat(asked().size()).isLessThanOrEqualTo(2);
    }
    assertThat(asked()).isEmpty();
    var progress = RootRotations.progress(cluster(), store.view().nodes()).orElseThrow();
    assertThat(progress.getNodesDone()).isEqualTo(5);
    assertThat(progress.getPendingList()).singleElement()
        .satisfies(p -> assertThat(p.getState()).isEqualTo(NodeState.NODE_STATE_DOWN));
    assertThat(cluster().getRootCa().hasRotation()).as("a down node holds the rotation up").isTrue();

    store.update(tx -> {
      tx.deleteNode("down");
      return null;
    });
    reconciler.pass();
    Cluster done = cluster();
    assertThat(done.getRootCa().hasRotation()).isFalse();
    assertThat(done.getRootCa().getDigest()).isEqualTo(newDigest);
    assertThat(RootCa.fromPem(done.getRootCa().getCaCertPem(), done.getRootCa().getCaKeyPem()).digest())
        .isEqualTo(newDigest);
    assertThat(JoinToken.parse(done.getJoinTokens().getWorker()).caDigest()).isEqualTo(newDigest);
    assertThat(JoinToken.parse(done.getJoinTokens().getManager()).caDigest()).isEqualTo(newDigest);
    assertThat(done.getExtraJoinTokensList()).isEmpty();
    assertThat(RootRotations.trustedRootsPem(done)).isEqualTo(done.getRootCa().getCaCertPem());
    assertThat(Pem.decodeCertificates(RootRotations.trustedRootsPem(done))).hasSize(1);
    // A finish decided on a stale view does nothing.
    assertThat(RootRotations.finish(done, newDigest, random)).isEmpty();
    reconciler.close();
  }

  @Test
  void aNodeIssuedANewRootCertificateItDoesNotReportHoldingIsStillBehind() throws Exception {
    Cluster initial = Cluster.newBuilder().setId(CLUSTER)
        .setRootCa(RootCA.newBuilder().setCaCertPem(oldRoot.certificatePem()).setCaKeyPem(oldRoot.keyPem())
            .setDigest(oldRoot.digest()))
        .build();
    Cluster rotating = RootRotations.start(initial, clock, random);
    var newRoot = RootRotations.newRoot(rotating).orElseThrow();
    Node installed = node("n", NodeState.NODE_STATE_READY, rotating);
    assertThat(RootRotations.onNewRoot(installed, newRoot)).isTrue();
    // The CA issued it, but the node crashed before installing it: it still reports its old serial.
    Node crashed = installed.toBuilder()
        .setDescription(NodeDescription.newBuilder().setCertificateSerial("0badc0de"))
        .build();
    assertThat(RootRotations.onNewRoot(crashed, newRoot)).isFalse();
    assertThat(RootRotations.onNewRoot(node("o", NodeState.NODE_STATE_READY, initial), newRoot)).isFalse();
    assertThat(Pem.decodeCertificates(RootRotations.trustedRootsPem(rotating))).hasSize(2);
  }
}
