package io.baton.store;

import static io.baton.store.StoreFixture.task;
import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.Task;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The task indexes under random puts, moves and deletes, read through transactions (their own
 * writes) and through the states applying them, against a map of tasks as the model.
 */
@Timeout(60)
class TaskIndexTest {

  private static final List<String> SERVICES = List.of("s0", "s1", "s2", "s3");
  private static final List<String> NODES = List.of("", "n0", "n1", "n2", "n3", "n4");

  @Test
  void lookupsMatchAScanOfTheModel() {
    Random random = new Random(42);
    StoreState state = StoreState.EMPTY;
    Map<String, Task> model = new TreeMap<>();
    long index = 0;

    for (int round = 0; round < 300; round++) {
      StoreTx tx = new StoreTx(state);
      Map<String, Task> txModel = new TreeMap<>(model);
      int ops = 1 + random.nextInt(8);
      for (int op = 0; op < ops; op++) {
        String id = "t" + random.nextInt(120);
        if (random.nextInt(4) == 0) {
          tx.deleteTask(id);
          txModel.remove(id);
        } else {
          Task t = task(id, pick(random, SERVICES), pick(random, NODES));
          tx.put(t);
          txModel.put(id, t);
        }
        assertLookupsMatch(tx, txModel);
      }
      assertLookupsMatch(state, model);
      StoreState.Applied applied = state.apply(tx.toProposal(round), 1, ++index);
      assertThat(applied.result()).isEqualTo(ApplyResult.APPLIED);
      state = applied.state();
      model = txModel;
      assertLookupsMatch(state, model);
    }
  }

  private static void assertLookupsMatch(ReadView view, Map<String, Task> model) {
    assertThat(StoreStateKindsTest.ids(view.tasks())).containsExactlyElementsOf(model.keySet());
    for (String s : SERVICES) {
      assertThat(StoreStateKindsTest.ids(view.tasksOfService(s)))
          .as("tasks of service %s", s)
          .containsExactlyElementsOf(
              model.values().stream()
                  .filter(t -> t.getServiceId().equals(s))
                  .map(Task::getId)
                  .toList());
    }
    for (String n : NODES) {
      assertThat(StoreStateKindsTest.ids(view.tasksOfNode(n)))
          .as("tasks of node '%s'", n)
          .containsExactlyElementsOf(
              model.values().stream()
                  .filter(t -> t.getNodeId().equals(n))
                  .map(Task::getId)
                  .toList());
    }
  }

  private static String pick(Random random, List<String> from) {
    return from.get(random.nextInt(from.size()));
  }
}
