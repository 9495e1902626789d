package io.baton.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.Cluster;
import io.baton.api.Meta;
import io.baton.api.Node;
import io.baton.api.Secret;
import io.baton.api.SecretSpec;
import io.baton.api.Service;
import io.baton.api.ServiceSpec;
import io.baton.api.store.ObjectKind;
import io.baton.api.store.ObjectRef;
import io.baton.api.store.StoreAction;
import io.baton.api.store.StoreBatch;
import io.baton.api.store.StoreObject;
import io.baton.api.store.StoreProposal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The transition function alone: versions, conflicts, atomicity, batches, determinism, snapshots.
 */
@Timeout(10)
class StoreStateTest {

  @Test
  void writesGetTheEntryIndexAsVersionAndKeepProposerTimestamps() {
    StoreState s = apply(StoreState.EMPTY, 5, put(node("a", 0, 100)), put(cluster("c", 0)));

    assertThat(s.node("a").orElseThrow().getMeta())
        .isEqualTo(Meta.newBuilder().setVersion(5).setCreatedAtMs(100).setUpdatedAtMs(100).build());
    assertThat(s.cluster().orElseThrow().getMeta().getVersion()).isEqualTo(5);
    assertThat(s.appliedIndex()).isEqualTo(5);
  }

  @Test
  void mismatchedExpectedVersionRejectsTheWholeProposal() {
    StoreState s = apply(StoreState.EMPTY, 5, put(node("a", 0, 1)));

    StoreState.Applied r =
        s.apply(proposal(put(node("b", 0, 1)), put(node("a", 4, 1))), 1, 6);

    assertThat(r.result().kind()).isEqualTo(ApplyResult.Kind.CONFLICT);
    assertThat(r.result().detail()).contains("node a", "version 5", "expected 4");
    assertThat(r.event()).isNull();
    assertThat(r.state().node("b")).isEmpty();
    assertThat(r.state().appliedIndex()).isEqualTo(6);
  }

  @Test
  void creatingAnExistingObjectConflicts() {
    StoreState s = apply(StoreState.EMPTY, 5, put(node("a", 0, 1)));

    assertThat(s.apply(proposal(put(node("a", 0, 1))), 1, 6).result().kind())
        .isEqualTo(ApplyResult.Kind.CONFLICT);
  }

  @Test
  void aSecondServiceOrSecretOfTheSameNameConflictsEvenWhenProposedFromTheSameView() {
    // two creates of "web" in flight at once: both proposers checked the name against a view without the other
    StoreState s = apply(StoreState.EMPTY, 5, put(service("s1", "web")), put(secret("k1", "db")));

    StoreState.Applied service = s.apply(proposal(put(service("s2", "web"))), 1, 6);
    StoreState.Applied secret = s.apply(proposal(put(secret("k2", "db"))), 1, 6);

    assertThat(service.result().kind()).isEqualTo(ApplyResult.Kind.CONFLICT);
    assertThat(service.result().detail()).contains("named web already exists", "s1");
    assertThat(service.state().service("s2")).isEmpty();
    assertThat(secret.result().kind()).isEqualTo(ApplyResult.Kind.CONFLICT);
    assertThat(s.apply(proposal(put(service("s3", "api"))), 1, 6).result()).isEqualTo(ApplyResult.APPLIED);
    // updating the one that holds the name is no clash
    Service current = s.service("s1").orElseThrow();
    assertThat(s.apply(proposal(StoreAction.newBuilder().setPut(StoreObject.newBuilder().setService(current))
        .setExpectedVersion(current.getMeta().getVersion()).build()), 1, 6).result()).isEqualTo(ApplyResult.APPLIED);
  }

  private static StoreAction put(Service service) {
    return StoreAction.newBuilder().setPut(StoreObject.newBuilder().setService(service)).build();
  }

  private static StoreAction put(Secret secret) {
    return StoreAction.newBuilder().setPut(StoreObject.newBuilder().setSecret(secret)).build();
  }

  private static Service service(String id, String name) {
    return Service.newBuilder().setId(id).setSpec(ServiceSpec.newBuilder().setName(name)).build();
  }

  private static Secret secret(String id, String name) {
    return Secret.newBuilder().setId(id).setSpec(SecretSpec.newBuilder().setName(name)).build();
  }

  @Test
  void deleteNeedsTheCurrentVersion() {
    StoreState s = apply(StoreState.EMPTY, 5, put(node("a", 0, 1)));

    StoreState.Applied stale = s.apply(proposal(delete("a", 3)), 1, 6);
    StoreState.Applied ok = s.apply(proposal(delete("a", 5)), 1, 6);

    assertThat(stale.result().kind()).isEqualTo(ApplyResult.Kind.CONFLICT);
    assertThat(ok.result()).isEqualTo(ApplyResult.APPLIED);
    assertThat(ok.state().node("a")).isEmpty();
    assertThat(ok.event().deleted()).extracting(ObjectRef::getId).containsExactly("a");
  }

  @Test
  void malformedProposalsAreRejectedNotApplied() {
    StoreState s = apply(StoreState.EMPTY, 5, put(cluster("c", 0)));

    assertThat(s.apply(proposal(put(node("", 0, 1))), 1, 6).result().kind())
        .isEqualTo(ApplyResult.Kind.REJECTED);
    assertThat(s.apply(proposal(put(node("a", 0, 1)), put(node("a", 0, 1))), 1, 6).result().kind())
        .isEqualTo(ApplyResult.Kind.REJECTED);
    assertThat(s.apply(proposal(put(cluster("other", 5))), 1, 6).result().detail())
        .contains("cluster id cannot change");
    assertThat(s.apply(proposal(StoreAction.getDefaultInstance()), 1, 6).result().kind())
        .isEqualTo(ApplyResult.Kind.REJECTED);
  }

  @Test
  void applyIsDeterministic() {
    StoreProposal p = proposal(put(node("b", 0, 7)), put(node("a", 0, 7)), put(cluster("c", 0)));

    StoreState one = StoreState.EMPTY.apply(p, 2, 9).state();
    StoreState two = StoreState.EMPTY.apply(p, 2, 9).state();

    assertThat(one.toSnapshot()).isEqualTo(two.toSnapshot());
  }

  @Test
  void snapshotRoundTrips() throws Exception {
    StoreState s = apply(StoreState.EMPTY, 5, put(node("b", 0, 1)), put(node("a", 0, 1)));
    s = apply(s, 6, put(cluster("c", 0)));

    StoreState back = StoreState.fromSnapshot(s.toSnapshot());

    assertThat(back.toSnapshot()).isEqualTo(s.toSnapshot());
    assertThat(back.nodes()).extracting(Node::getId).containsExactly("a", "b");
    assertThat(back.appliedIndex()).isEqualTo(6);
  }

  @Test
  void olderVersionsDoNotChange() {
    StoreState v1 = apply(StoreState.EMPTY, 5, put(node("a", 0, 1)));
    StoreState v2 = apply(v1, 6, put(node("b", 0, 1)));

    assertThat(v1.nodes()).extracting(Node::getId).containsExactly("a");
    assertThat(v2.nodes()).extracting(Node::getId).containsExactly("a", "b");
  }

  @Test
  void proposalsOfABatchApplyInOrderEachOnItsOwn() {
    StoreState s = apply(StoreState.EMPTY, 5, put(node("hot", 0, 1)));
    StoreBatch batch =
        StoreBatch.newBuilder()
            .addProposals(proposal(put(node("a", 0, 1))))
            .addProposals(proposal(put(node("hot", 5, 2))))
            .addProposals(proposal(put(node("b", 0, 3)), put(node("hot", 5, 3))))
            .addProposals(proposal(put(node("", 0, 4))))
            .addProposals(proposal(delete("a", 0)))
            .addProposals(proposal(put(node("c", 0, 6))))
            .build();

    StoreState.BatchApplied r = s.applyAll(batch, 2, 7);

    assertThat(r.results())
        .extracting(ApplyResult::kind)
        .containsExactly(
            ApplyResult.Kind.APPLIED,
            ApplyResult.Kind.APPLIED,
            ApplyResult.Kind.CONFLICT,
            ApplyResult.Kind.REJECTED,
            ApplyResult.Kind.CONFLICT,
            ApplyResult.Kind.APPLIED);
    assertThat(r.results().get(2).detail()).contains("node hot", "version 7", "expected 5");
    assertThat(r.results().get(4).detail()).contains("node a", "version 7", "expected 0");
    assertThat(r.state().nodes()).extracting(Node::getId).containsExactly("a", "c", "hot");
    assertThat(r.state().nodes()).allSatisfy(n -> assertThat(n.getMeta().getVersion()).isIn(5L, 7L));
    assertThat(r.state().node("hot").orElseThrow().getMeta().getUpdatedAtMs()).isEqualTo(2);
    assertThat(r.state().node("b")).as("the conflicting proposal wrote nothing").isEmpty();
    assertThat(r.state().appliedIndex()).isEqualTo(7);
    assertThat(r.state().appliedTerm()).isEqualTo(2);
    assertThat(r.events()).as("one event per applied proposal, in batch order").hasSize(3);
    assertThat(r.events()).allSatisfy(e -> assertThat(e.index()).isEqualTo(7));
    assertThat(r.events())
        .extracting(e -> e.changed().get(0).getNode().getId())
        .containsExactly("a", "hot", "c");
  }

  @Test
  void batchApplyIsDeterministicAndAnEmptyBatchOnlyAdvancesTheIndex() {
    StoreBatch batch =
        StoreBatch.newBuilder()
            .addProposals(proposal(put(node("b", 0, 7)), put(cluster("c", 0))))
            .addProposals(proposal(put(node("b", 0, 8))))
            .addProposals(proposal(put(node("a", 0, 9))))
            .build();

    StoreState.BatchApplied one = StoreState.EMPTY.applyAll(batch, 2, 9);
    StoreState.BatchApplied two = StoreState.EMPTY.applyAll(batch, 2, 9);
    StoreState.BatchApplied empty = one.state().applyAll(StoreBatch.getDefaultInstance(), 2, 10);

    assertThat(one.state().toSnapshot()).isEqualTo(two.state().toSnapshot());
    assertThat(one.results()).isEqualTo(two.results());
    assertThat(one.events()).isEqualTo(two.events());
    assertThat(empty.results()).isEmpty();
    assertThat(empty.events()).isEmpty();
    assertThat(empty.state().appliedIndex()).isEqualTo(10);
    assertThat(empty.state().nodes()).isEqualTo(one.state().nodes());
  }

  @Test
  void anEntryWrittenBeforeBatchingIsReadAsABatchOfOne() throws Exception {
    StoreProposal bare = proposal(put(node("a", 0, 1)), put(cluster("c", 0)));
    StoreBatch batch = StoreBatch.newBuilder().addProposals(bare).addProposals(bare).build();

    assertThat(StoreState.parseEntry(bare.toByteArray()).getProposalsList()).containsExactly(bare);
    assertThat(StoreState.parseEntry(batch.toByteArray())).isEqualTo(batch);
    assertThat(StoreState.parseEntry(new byte[0]).getProposalsList()).isEmpty();
  }

  private static StoreState apply(StoreState s, long index, StoreAction... actions) {
    StoreState.Applied r = s.apply(proposal(actions), 1, index);
    assertThat(r.result()).isEqualTo(ApplyResult.APPLIED);
    return r.state();
  }

  private static StoreProposal proposal(StoreAction... actions) {
    return StoreProposal.newBuilder().addAllActions(java.util.List.of(actions)).build();
  }

  private static StoreAction put(Node n) {
    return StoreAction.newBuilder()
        .setPut(StoreObject.newBuilder().setNode(n))
        .setExpectedVersion(n.getMeta().getVersion())
        .build();
  }

  private static StoreAction put(Cluster c) {
    return StoreAction.newBuilder()
        .setPut(StoreObject.newBuilder().setCluster(c))
        .setExpectedVersion(c.getMeta().getVersion())
        .build();
  }

  private static StoreAction delete(String id, long expected) {
    return StoreAction.newBuilder()
        .setDelete(ObjectRef.newBuilder().setKind(ObjectKind.OBJECT_KIND_NODE).setId(id))
        .setExpectedVersion(expected)
        .build();
  }

  private static Node node(String id, long version, long atMs) {
    return Node.newBuilder()
        .setId(id)
        .setMeta(Meta.newBuilder().setVersion(version).setCreatedAtMs(atMs).setUpdatedAtMs(atMs))
        .build();
  }

  private static Cluster cluster(String id, long version) {
    return Cluster.newBuilder().setId(id).setMeta(Meta.newBuilder().setVersion(version)).build();
  }
}
