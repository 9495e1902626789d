package io.baton.manager.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class BootstrapRateLimiterTest {
  private static final class TestClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void floodFromOneAddressIsCutOffWhileOthersProceedAndItRefills() {
    TestClock clock = new TestClock();
    var limiter = new BootstrapRateLimiter(new BootstrapRateLimiter.Config(5, 1, 3, 0.1), clock);
    int allowed = 0;
    for (int i = 0; i < 100; i++) {
      allowed += limiter.tryCall("10.0.0.1") ? 1 : 0;
    }
    assertThat(allowed).isEqualTo(5);
    assertThat(limiter.tryCall("10.0.0.2")).isTrue();
    clock.now = clock.now.plus(Duration.ofSeconds(2));
    assertThat(limiter.tryCall("10.0.0.1")).isTrue();
  }

  @Test
  void wrongTokensExhaustTheFailureBudgetAndBlockTheAddress() {
    TestClock clock = new TestClock();
    var limiter = new BootstrapRateLimiter(new BootstrapRateLimiter.Config(100, 100, 3, 0.1), clock);
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryCall("10.0.0.9")).isTrue();
      limiter.recordFailure("10.0.0.9");
    }
    assertThat(limiter.tryCall("10.0.0.9")).isFalse();
    assertThat(limiter.tryCall("10.0.0.10")).isTrue();
    clock.now = clock.now.plus(Duration.ofSeconds(11));
    assertThat(limiter.tryCall("10.0.0.9")).isTrue();
  }
}
