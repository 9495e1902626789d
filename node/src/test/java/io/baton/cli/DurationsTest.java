package io.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @Test
  void parsesDockerStyleDurations() {
    assertThat(Durations.parse("--f", "24h")).isEqualTo(Duration.ofHours(24));
    assertThat(Durations.parse("--f", "1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("--f", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("--f", "7d")).isEqualTo(Duration.ofDays(7));
  }

  /** Found by CliParsersFuzzTest: these escaped as NumberFormatException or ArithmeticException. */
  @ParameterizedTest
  @ValueSource(strings = {"7d7d7d7333333333333333333333333333333333333333d", "99999999999999999999s",
      "9223372036854775807d", "9223372036854775807s",
      "9223372036854775807ms9223372036854775807ms"})
  void aDurationTooLongForMillisecondsIsAUsageError(String text) {
    assertThatThrownBy(() -> Durations.parse("--restart-delay", text))
        .isInstanceOf(UsageError.class)
        .hasMessage("duration '" + text + "' for --restart-delay is too long");
  }

  @Test
  void malformedTextIsAUsageError() {
    assertThatThrownBy(() -> Durations.parse("--f", "1x")).isInstanceOf(UsageError.class)
        .hasMessageContaining("use e.g. 24h");
    assertThatThrownBy(() -> Durations.parse("--f", "")).isInstanceOf(UsageError.class);
  }
}
