package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

class JoinTokenTest {
  private static final SecureRandom RND = new SecureRandom();
  private final String digest = TestPki.fixed().root.digest();

  @Test
  void generatedTokenHasTheDocumentedFormatAndRoundTrips() throws Exception {
    JoinToken token = JoinToken.generate(digest, RND);
    String text = token.toString();
    assertThat(text).matches("BTNTKN-1-[0-9a-z]{50}-[0-9a-z]{25}");
    assertThat(text).startsWith("BTNTKN-1-" + digest + "-");
    JoinToken parsed = JoinToken.parse(text);
    assertThat(parsed.caDigest()).isEqualTo(digest);
    assertThat(parsed.secret()).isEqualTo(token.secret());
    assertThat(parsed.sameSecretAs(token)).isTrue();
    assertThat(parsed).isEqualTo(token);
  }

  @Test
  void secretsDiffer() {
    JoinToken a = JoinToken.generate(digest, RND);
    JoinToken b = JoinToken.generate(digest, RND);
    assertThat(a.sameSecretAs(b)).isFalse();
    assertThat(a).isNotEqualTo(b);
    assertThat(a.sameSecretAs(null)).isFalse();
  }

  @Test
  void sameSecretUnderAnotherDigestIsNotTheSameToken() {
    JoinToken a = JoinToken.generate(digest, RND);
    String otherDigest = TestPki.fixed().root.digest();
    assertThat(a.sameSecretAs(new JoinToken(otherDigest, a.secret()))).isFalse();
  }

  @Test
  void logPrefixHidesTheSecret() {
    JoinToken token = JoinToken.generate(digest, RND);
    assertThat(token.logPrefix()).isEqualTo("BTNTKN-1-" + digest.substring(0, 8) + "-…");
    assertThat(token.logPrefix()).doesNotContain(token.secret());
  }

  @Test
  void malformedTokensAreRejectedWithoutEchoingTheSecret() {
    String secret = JoinToken.generate(digest, RND).secret();
    String good = "BTNTKN-1-" + digest + "-" + secret;
    List<String> bad =
        List.of(
            "",
            "SWMTKN-1-" + digest + "-" + secret,
            "btntkn-1-" + digest + "-" + secret,
            "BTNTKN-2-" + digest + "-" + secret,
            "BTNTKN-1-" + digest.substring(1) + "-" + secret,
            "BTNTKN-1-" + digest.toUpperCase() + "-" + secret,
            "BTNTKN-1-" + digest + "-" + secret.toUpperCase(),
            "BTNTKN-1-" + digest + "-" + secret + "-x",
            "BTNTKN-1-" + digest + "-" + secret.substring(1),
            "BTNTKN-1-" + digest + "-" + secret + "0",
            "BTNTKN-1-" + digest + "--" + secret,
            good + "\n",
            " " + good,
            good.substring(0, 20),
            good + "x".repeat(10_000),
            "x".repeat(10 * 1024));
    for (String text : bad) {
      assertThatThrownBy(() -> JoinToken.parse(text))
          .as("token %s", text.length() > 100 ? text.substring(0, 100) + "..." : text)
          .isInstanceOf(InvalidJoinTokenException.class)
          .satisfies(
              e -> {
                assertThat(e.getMessage()).isNotBlank();
                assertThat(e.getMessage()).doesNotContain(secret);
                assertThat(e.getMessage()).doesNotContain(secret.toUpperCase());
                assertThat(e.getMessage().length()).isLessThan(120);
              });
    }
    assertThatThrownBy(() -> JoinToken.parse(null)).isInstanceOf(InvalidJoinTokenException.class);
  }

  @Test
  void messagesSayWhatIsWrong() {
    String secret = JoinToken.generate(digest, RND).secret();
    assertThatThrownBy(() -> JoinToken.parse("BTNTKN-2-" + digest + "-" + secret))
        .hasMessageContaining("version");
    assertThatThrownBy(() -> JoinToken.parse("XTNTKN-1-" + digest + "-" + secret))
        .hasMessageContaining("BTNTKN-");
    assertThatThrownBy(() -> JoinToken.parse("BTNTKN-1-" + digest.substring(2) + "-" + secret))
        .hasMessageContaining("digest");
    assertThatThrownBy(() -> JoinToken.parse("BTNTKN-1-" + digest + "-" + secret.toUpperCase()))
        .hasMessageContaining("secret");
  }

  @Test
  void constructorRejectsMalformedParts() {
    assertThatThrownBy(() -> new JoinToken("abc", "0".repeat(25)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new JoinToken(digest, "SECRET"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("SECRET");
  }
}
