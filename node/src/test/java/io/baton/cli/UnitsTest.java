package io.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class UnitsTest {

  @Test
  void parsesCpusAndMemory() {
    assertThat(Units.nanoCpus("--cpus", "0.5")).isEqualTo(500_000_000L);
    assertThat(Units.nanoCpus("--cpus", "2")).isEqualTo(2_000_000_000L);
    assertThat(Units.bytes("--memory", "64M")).isEqualTo(64L << 20);
    assertThat(Units.bytes("--memory", "1g")).isEqualTo(1L << 30);
  }

  /** Found by CliParsersFuzzTest: scaling 1e100000003 to nano-CPUs ran for minutes. */
  @Test
  @Timeout(value = 5, unit = TimeUnit.SECONDS)
  void aHugeExponentIsRefusedAtOnce() {
    for (String text : new String[] {"1e100000003", "1E+2147483647", "99999999999999999999"}) {
      assertThatThrownBy(() -> Units.nanoCpus("--reserve-cpu", text))
          .isInstanceOf(UsageError.class)
          .hasMessage("invalid --reserve-cpu '" + text + "': use a number of CPUs such as 0.5 or 2");
    }
    assertThatThrownBy(() -> Units.nanoCpus("--reserve-cpu", "1e-100000000")).isInstanceOf(UsageError.class);
  }
}
