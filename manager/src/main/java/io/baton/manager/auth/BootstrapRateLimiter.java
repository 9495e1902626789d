package io.baton.manager.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per source address for the RPCs that answer without a certificate, so a flood of
 * join attempts or token guesses from one address cannot exhaust a manager or brute-force a token.
 *
 * <p>Two budgets: every anonymous call spends from the call bucket; a call that presented a wrong
 * join token also spends from the (much smaller) failure bucket. Thread-safe.
 */
public final class BootstrapRateLimiter {

  /**
   * Limits. Defaults allow a burst of 50 joins from one address (a rack of nodes behind one NAT)
   * refilled at 20/s, and 10 wrong tokens refilled at one per 6 s: guessing a 128-bit secret is
   * hopeless either way, the failure budget keeps logs and CPU quiet.
   */
  public record Config(int callBurst, double callsPerSecond, int failureBurst, double failuresPerSecond) {
    public Config {
      if (callBurst < 1 || callsPerSecond <= 0 || failureBurst < 1 || failuresPerSecond <= 0) {
        throw new IllegalArgumentException("rate limits must be positive");
      }
    }

    public static Config defaults() {
      return new Config(50, 20, 10, 1.0 / 6);
    }
  }

  private static final int MAX_TRACKED_ADDRESSES = 100_000;

  private final Config config;
  private final Clock clock;
  private final ConcurrentHashMap<String, Bucket> calls = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Bucket> failures = new ConcurrentHashMap<>();

  public BootstrapRateLimiter(Config config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  /** Spends one call from the address's budget; false if it is exhausted (or failures are). */
  public boolean tryCall(String address) {
    long now = clock.millis();
    if (failureBucket(address).peekEmpty(now)) {
      return false;
    }
    return bucket(calls, address, config.callBurst(), config.callsPerSecond()).tryTake(now);
  }

  /** Records a failed join (wrong token) from the address. */
  public void recordFailure(String address) {
    failureBucket(address).tryTake(clock.millis());
  }

  private Bucket failureBucket(String address) {
    return bucket(failures, address, config.failureBurst(), config.failuresPerSecond());
  }

  private Bucket bucket(ConcurrentHashMap<String, Bucket> map, String key, int burst, double rate) {
    if (map.size() > MAX_TRACKED_ADDRESSES) {
      map.clear();
    }
    return map.computeIfAbsent(key, k -> new Bucket(burst, rate, clock.millis()));
  }

  private static final class Bucket {
    private final int capacity;
    private final double perMilli;
    private double tokens;
    private long last;

    Bucket(int capacity, double perSecond, long now) {
      this.capacity = capacity;
      this.perMilli = perSecond / Duration.ofSeconds(1).toMillis();
      this.tokens = capacity;
      this.last = now;
    }

    synchronized boolean tryTake(long now) {
      refill(now);
      if (tokens < 1) {
        return false;
      }
      tokens -= 1;
      return true;
    }

    synchronized boolean peekEmpty(long now) {
      refill(now);
      return tokens < 1;
    }

    private void refill(long now) {
      tokens = Math.min(capacity, tokens + (now - last) * perMilli);
      last = Math.max(last, now);
    }
  }
}
