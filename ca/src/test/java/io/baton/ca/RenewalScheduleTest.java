package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RenewalScheduleTest {
  @Test
  void renewalFallsBetweenHalfAndFourFifthsOfTheLifetime() throws Exception {
    TestPki pki = TestPki.fixed();
    X509Certificate cert = pki.issue(pki.identity(Role.WORKER), Duration.ofHours(24)).certificate();
    Instant notBefore = cert.getNotBefore().toInstant();
    Duration lifetime = Duration.between(notBefore, cert.getNotAfter().toInstant());
    Instant earliest = notBefore.plus(lifetime.dividedBy(2));
    Instant latest = notBefore.plus(lifetime.multipliedBy(4).dividedBy(5));
    SplittableRandom rnd = new SplittableRandom(42);
    Instant min = Instant.MAX;
    Instant max = Instant.MIN;
    for (int i = 0; i < 1_000; i++) {
      Instant at = RenewalSchedule.nextRenewal(cert, rnd);
      assertThat(at).isAfterOrEqualTo(earliest).isBefore(latest);
      min = at.isBefore(min) ? at : min;
      max = at.isAfter(max) ? at : max;
    }
    Duration window = Duration.between(earliest, latest);
    assertThat(Duration.between(earliest, min)).isLessThan(window.dividedBy(20));
    assertThat(Duration.between(max, latest)).isLessThan(window.dividedBy(20));
  }
}
