package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class UnlockKeyTest {
  private final SecureRandom random = new SecureRandom();

  @Test
  void printsAndParsesBack() throws Exception {
    for (int i = 0; i < 200; i++) {
      UnlockKey key = UnlockKey.generate(random);
      String text = key.toString();
      assertThat(text).startsWith("BTNKEY-1-").hasSize(UnlockKey.PREFIX.length() + 50);
      assertThat(UnlockKey.parse("  " + text + "\n")).isEqualTo(key);
      assertThat(UnlockKey.of(key.secret())).isEqualTo(key);
    }
    assertThat(UnlockKey.of(new byte[32]).toString()).isEqualTo("BTNKEY-1-" + "0".repeat(50));
  }

  @Test
  void refusesMalformedKeysWithoutEchoingThem() {
    String secretLooking = "BTNKEY-1-" + "z".repeat(50);
    for (String bad : new String[] {"", "BTNKEY-1-", "BTNTKN-1-" + "0".repeat(50), "BTNKEY-1-" + "0".repeat(49),
        "BTNKEY-1-" + "A".repeat(50), secretLooking}) {
      assertThatThrownBy(() -> UnlockKey.parse(bad))
          .isInstanceOf(InvalidUnlockKeyException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("zzzzzzzz"));
    }
    assertThatThrownBy(() -> UnlockKey.parse(null)).isInstanceOf(InvalidUnlockKeyException.class);
  }
}
