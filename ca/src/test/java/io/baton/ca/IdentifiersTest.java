package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdentifiersTest {
  private final SecureRandom rnd = new SecureRandom();

  @Test
  void idsAre25Base36CharactersAndDistinct() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String id = Identifiers.newId(rnd);
      assertThat(id).matches("[0-9a-z]{25}");
      assertThat(Identifiers.isValidId(id)).isTrue();
      seen.add(id);
    }
    assertThat(seen).hasSize(10_000);
  }

  @Test
  void firstCharacterUsesTheWholeAlphabet() {
    Set<Character> first = new HashSet<>();
    for (int i = 0; i < 5_000; i++) {
      first.add(Identifiers.newId(rnd).charAt(0));
    }
    assertThat(first).hasSize(36);
  }

  @Test
  void validationIsStrict() {
    assertThat(Identifiers.isValidId(null)).isFalse();
    assertThat(Identifiers.isValidId("")).isFalse();
    assertThat(Identifiers.isValidId("a".repeat(24))).isFalse();
    assertThat(Identifiers.isValidId("a".repeat(26))).isFalse();
    assertThat(Identifiers.isValidId("A" + "a".repeat(24))).isFalse();
    assertThat(Identifiers.isValidId("-" + "a".repeat(24))).isFalse();
    assertThat(Identifiers.isValidId("0".repeat(25))).isTrue();
  }
}
