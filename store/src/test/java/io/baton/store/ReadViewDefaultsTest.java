package io.baton.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.Cluster;
import io.baton.api.Node;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A view written against the cluster and node accessors only keeps working unchanged. */
class ReadViewDefaultsTest {

  private record ClusterAndNodesView(Cluster cluster0, List<Node> nodes0) implements ReadView {
    @Override
    public Optional<Cluster> cluster() {
      return Optional.of(cluster0);
    }

    @Override
    public Optional<Node> node(String id) {
      return nodes0.stream().filter(n -> n.getId().equals(id)).findFirst();
    }

    @Override
    public List<Node> nodes() {
      return nodes0;
    }

    @Override
    public long appliedIndex() {
      return 1;
    }
  }

  @Test
  void genericReadsAnswerTheClusterAndNodesAndHoldNoOtherObjects() {
    ReadView v = new ClusterAndNodesView(StoreFixture.cluster(), List.of(StoreFixture.node("n1")));

    assertThat(v.get(Kind.CLUSTER, StoreFixture.CLUSTER_ID)).contains(StoreFixture.cluster());
    assertThat(v.get(Kind.CLUSTER, "other")).isEmpty();
    assertThat(v.list(Kind.CLUSTER)).containsExactly(StoreFixture.cluster());
    assertThat(v.get(Kind.NODE, "n1")).isPresent();
    assertThat(v.list(Kind.NODE)).extracting(Node::getId).containsExactly("n1");
    assertThat(v.services()).isEmpty();
    assertThat(v.task("t1")).isEmpty();
    assertThat(v.tasksOfService("s1")).isEmpty();
    assertThat(v.tasksOfNode("n1")).isEmpty();
  }
}
