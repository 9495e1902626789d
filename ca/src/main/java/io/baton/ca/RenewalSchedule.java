package io.baton.ca;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * When a node renews its certificate: at a uniformly random instant between 50 % and 80 % of the
 * certificate's lifetime, so that renewals of many nodes spread out and one missed attempt still
 * leaves time to retry before expiry.
 */
public final class RenewalSchedule {
  private RenewalSchedule() {}

  /** A random instant in {@code [NotBefore + 50 %, NotBefore + 80 %)} of the validity period. */
  public static Instant nextRenewal(X509Certificate cert, RandomGenerator rnd) {
    long notBefore = cert.getNotBefore().getTime();
    long lifetime = Math.max(0, cert.getNotAfter().getTime() - notBefore);
    long earliest = lifetime / 2;
    long latest = lifetime / 5 * 4 + (lifetime % 5) * 4 / 5;
    long offset = latest > earliest ? earliest + rnd.nextLong(latest - earliest) : earliest;
    return Instant.ofEpochMilli(notBefore + offset);
  }
}
