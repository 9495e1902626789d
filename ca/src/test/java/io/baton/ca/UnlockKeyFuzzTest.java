package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * {@link UnlockKey#parse} on arbitrary text, as {@code baton unlock} reads it from an operator:
 * either a 32-byte key that prints back as the (stripped) input, or {@link
 * InvalidUnlockKeyException} whose message repeats no part of the input; never another exception.
 */
class UnlockKeyFuzzTest {

  @FuzzTest
  void parse(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    UnlockKey key;
    try {
      key = UnlockKey.parse(text);
    } catch (InvalidUnlockKeyException e) {
      assertThat(e.getMessage()).isNotBlank();
      FuzzInputs.assertEchoesNoSecret(e.getMessage(), text);
      return;
    }
    assertThat(key.secret()).hasSize(UnlockKey.SECRET_BYTES);
    assertThat(key.toString()).isEqualTo(text.strip());
    assertThat(UnlockKey.of(key.secret())).isEqualTo(key);
  }
}
