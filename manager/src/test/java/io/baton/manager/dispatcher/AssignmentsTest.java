package io.baton.manager.dispatcher;

import static io.baton.manager.dispatcher.Fixtures.node;
import static io.baton.manager.dispatcher.Fixtures.secret;
import static io.baton.manager.dispatcher.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.AssignedSecret;
import io.baton.api.Node;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.store.InMemoryClusterStore;
import io.baton.store.ReadView;
import java.util.List;
import org.junit.jupiter.api.Test;

class AssignmentsTest {
  private final InMemoryClusterStore store = new InMemoryClusterStore();

  @Test
  void carriesExactlyTheSecretsOfTheNodesUnfinishedTasks() throws Exception {
    store.update(tx -> {
      tx.put(node("a", "zone", "a"));
      tx.put(node("b", "zone", "b"));
      tx.put(secret("s1", "one", List.of()));
      tx.put(secret("s2", "two", List.of()));
      tx.put(secret("s3", "three", List.of()));
      tx.put(task("t1", "a", TaskState.TASK_STATE_RUNNING, "s1"));
      tx.put(task("t2", "a", TaskState.TASK_STATE_COMPLETE, "s2"));
      tx.put(task("t3", "b", TaskState.TASK_STATE_RUNNING, "s3"));
      tx.put(task("t4", "a", TaskState.TASK_STATE_PENDING, "s3"));
      return null;
    });
    ReadView view = store.view();
    Assignments a = Assignments.of(view, view.node("a").orElseThrow());
    assertThat(a.tasks()).extracting(Task::getId).containsExactly("t1");
    assertThat(a.secrets()).extracting(AssignedSecret::getId).containsExactly("s1");
    assertThat(a.secrets().get(0).getData().toStringUtf8()).isEqualTo("value-s1");
    assertThat(a.rejected()).isEmpty();
  }

  @Test
  void aZonedSecretIsWithheldAndItsTaskRejectedOutsideTheZone() throws Exception {
    store.update(tx -> {
      tx.put(node("a", "zone", "a"));
      tx.put(node("b", "zone", "b"));
      tx.put(secret("pci", "pci", List.of("node.labels.zone==a")));
      tx.put(secret("open", "open", List.of()));
      tx.put(task("ta", "a", TaskState.TASK_STATE_ASSIGNED, "pci"));
      tx.put(task("tb", "b", TaskState.TASK_STATE_ASSIGNED, "open", "pci"));
      return null;
    });
    ReadView view = store.view();
    Assignments b = Assignments.of(view, view.node("b").orElseThrow());
    assertThat(b.tasks()).isEmpty();
    assertThat(b.secrets()).isEmpty();
    assertThat(b.rejected()).containsOnlyKeys("tb");
    assertThat(b.rejected().get("tb")).contains("secret pci", "node.labels.zone==a").doesNotContain("value-");
    Assignments a = Assignments.of(view, view.node("a").orElseThrow());
    assertThat(a.secrets()).extracting(AssignedSecret::getId).containsExactly("pci");
  }

  @Test
  void aNodeWithoutTheZoneLabelGetsNothing() throws Exception {
    store.update(tx -> {
      tx.put(Node.newBuilder().setId("n").build());
      tx.put(secret("pci", "pci", List.of("node.labels.zone==a")));
      tx.put(task("t", "n", TaskState.TASK_STATE_RUNNING, "pci"));
      return null;
    });
    Assignments n = Assignments.of(store.view(), store.view().node("n").orElseThrow());
    assertThat(n.secrets()).isEmpty();
    assertThat(n.rejected()).containsOnlyKeys("t");
  }
}
