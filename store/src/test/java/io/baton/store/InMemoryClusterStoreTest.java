package io.baton.store;

import static io.baton.store.StoreFixture.cluster;
import static io.baton.store.StoreFixture.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baton.api.Node;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class InMemoryClusterStoreTest {

  @Test
  void behavesLikeTheReplicatedStore() throws Exception {
    Clock clock = Clock.fixed(Instant.ofEpochMilli(1234), ZoneOffset.UTC);
    try (InMemoryClusterStore store = new InMemoryClusterStore(clock)) {
      store.awaitLeader(Duration.ofSeconds(1));
      List<StoreEvent> events = new CopyOnWriteArrayList<>();
      store.watch(events::add);

      store.update(
          tx -> {
            tx.put(cluster());
            tx.put(node("b"));
            tx.put(node("a"));
            return null;
          });
      store.update(
          tx -> {
            tx.deleteNode("b");
            return null;
          });
      int n = store.update(tx -> tx.nodes().size());

      assertThat(n).isEqualTo(1);
      ReadView v = store.view();
      assertThat(v.appliedIndex()).isEqualTo(2);
      assertThat(v.nodes()).extracting(Node::getId).containsExactly("a");
      assertThat(v.node("a").orElseThrow().getMeta().getVersion()).isEqualTo(1);
      assertThat(v.node("a").orElseThrow().getMeta().getCreatedAtMs()).isEqualTo(1234);
      await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
      assertThat(events).extracting(StoreEvent::index).containsExactly(1L, 2L);

      store.close();
      assertThat(store.isLeader()).isFalse();
      assertThatThrownBy(() -> store.update(tx -> null))
          .isInstanceOf(StoreException.Unavailable.class);
    }
  }
}
