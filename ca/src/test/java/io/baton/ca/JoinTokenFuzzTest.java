package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * {@link JoinToken#parse} on arbitrary text, as a joiner's CA receives it: either a token whose
 * text is exactly the input (the parse is strict) or {@link InvalidJoinTokenException} whose
 * message repeats no part of the secret; never another exception.
 */
class JoinTokenFuzzTest {

  @FuzzTest
  void parse(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    JoinToken token;
    try {
      token = JoinToken.parse(text);
    } catch (InvalidJoinTokenException e) {
      assertThat(e.getMessage()).isNotBlank();
      FuzzInputs.assertEchoesNoSecret(e.getMessage(), text);
      return;
    }
    assertThat(token.toString()).isEqualTo(text);
    assertThat(CaDigest.isWellFormed(token.caDigest())).isTrue();
    assertThat(token.secret()).hasSize(JoinToken.SECRET_LENGTH);
    assertThat(token.logPrefix()).doesNotContain(token.secret());
  }
}
