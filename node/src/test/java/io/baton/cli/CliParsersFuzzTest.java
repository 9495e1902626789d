package io.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The CLI's parsers of user-typed amounts on arbitrary text: {@link Durations#parse} (a duration
 * whose milliseconds fit a long, as the flags use them), {@link Units#nanoCpus} and {@link
 * Units#bytes} (non-negative). Each either returns such a value or throws {@link UsageError}, which
 * the CLI prints as one line with exit code 125; never another exception, which would surface as a
 * stack trace.
 */
class CliParsersFuzzTest {

  @FuzzTest
  void parse(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    try {
      Duration d = Durations.parse("--flag", text);
      assertThat(d.isNegative()).isFalse();
      assertThat(d.toMillis()).isNotNegative();
    } catch (UsageError e) {
      assertThat(e.getMessage()).isNotBlank();
    }
    try {
      assertThat(Units.nanoCpus("--cpus", text)).isNotNegative();
    } catch (UsageError e) {
      assertThat(e.getMessage()).isNotBlank();
    }
    try {
      assertThat(Units.bytes("--memory", text)).isNotNegative();
    } catch (UsageError e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }
}
