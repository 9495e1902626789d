package io.baton.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The persistent map against {@link TreeMap} as the model, with older versions kept. */
@Timeout(60)
class PersistentTreeMapTest {

  private static final int OPS = 10_000;
  private static final int KEYS = 1_500;

  @Test
  void randomOperationsMatchTreeMapAndLeaveOlderVersionsUnchanged() {
    Random random = new Random(20_260_101L);
    PersistentTreeMap<Integer, String> map = PersistentTreeMap.empty();
    TreeMap<Integer, String> model = new TreeMap<>();
    List<PersistentTreeMap<Integer, String>> versions = new ArrayList<>();
    List<TreeMap<Integer, String>> models = new ArrayList<>();

    for (int op = 0; op < OPS; op++) {
      int key = random.nextInt(KEYS);
      switch (random.nextInt(10)) {
        case 0, 1, 2, 3, 4 -> {
          String value = "v" + op;
          map = map.put(key, value);
          model.put(key, value);
        }
        case 5, 6, 7 -> {
          PersistentTreeMap<Integer, String> before = map;
          map = map.remove(key);
          if (model.remove(key) == null) {
            assertThat(map).as("removing an absent key returns the same map").isSameAs(before);
          }
        }
        case 8 -> assertThat(map.get(key)).isEqualTo(model.get(key));
        default -> assertRangeMatches(map, model, key, 1 + random.nextInt(20));
      }
      assertThat(map.size()).isEqualTo(model.size());
      if (op % 97 == 0) {
        map.checkInvariants();
        assertThat(map.values()).containsExactlyElementsOf(model.values());
        versions.add(map);
        models.add(new TreeMap<>(model));
      }
    }

    map.checkInvariants();
    assertThat(map.values()).containsExactlyElementsOf(model.values());
    for (int k = 0; k < KEYS; k++) {
      assertThat(map.get(k)).as("key %d", k).isEqualTo(model.get(k));
    }
    for (int i = 0; i < versions.size(); i++) {
      versions.get(i).checkInvariants();
      assertThat(versions.get(i).values())
          .as("version %d", i)
          .containsExactlyElementsOf(models.get(i).values());
    }
  }

  @Test
  void sequentialInsertsStayBalanced() {
    PersistentTreeMap<Integer, Integer> map = PersistentTreeMap.empty();
    for (int i = 0; i < 5_000; i++) {
      map = map.put(i, i);
    }
    map.checkInvariants();
    for (int i = 0; i < 5_000; i += 2) {
      map = map.remove(i);
    }
    map.checkInvariants();
    assertThat(map.size()).isEqualTo(2_500);
    assertThat(map.values()).first().isEqualTo(1);
  }

  @Test
  void emptyMap() {
    PersistentTreeMap<String, String> empty = PersistentTreeMap.empty();

    assertThat(empty.isEmpty()).isTrue();
    assertThat(empty.get("a")).isNull();
    assertThat(empty.remove("a")).isSameAs(empty);
    assertThat(empty.values()).isEmpty();
    assertThat(empty.put("a", "1").isEmpty()).isFalse();
    assertThat(empty.isEmpty()).isTrue();
  }

  /** Visits up to {@code limit} entries from {@code from} and compares with the model's tail. */
  private static void assertRangeMatches(
      PersistentTreeMap<Integer, String> map, TreeMap<Integer, String> model, int from, int limit) {
    List<Map.Entry<Integer, String>> seen = new ArrayList<>();
    map.forEachFrom(
        from,
        (k, v) -> {
          seen.add(Map.entry(k, v));
          return seen.size() < limit;
        });
    List<Map.Entry<Integer, String>> expected =
        model.tailMap(from, true).entrySet().stream()
            .limit(limit)
            .map(e -> Map.entry(e.getKey(), e.getValue()))
            .toList();
    assertThat(seen).containsExactlyElementsOf(expected);
  }
}
