package io.baton.agent;

import io.baton.ca.Credentials;
import io.baton.ca.NodeKeyManager;
import io.baton.ca.RemoteCa;
import io.baton.ca.RenewalSchedule;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the node's certificate at a random point between 50 % and 80 % of its validity, always
 * with a new key pair, and installs it without dropping connections: the key manager serves the new
 * certificate to the next handshake while open connections keep their session.
 *
 * <p>The same node id is kept; the role is whatever the store says at signing time, so a promotion
 * or demotion takes effect with {@link #renewNow()}.
 */
public final class CertificateRenewer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CertificateRenewer.class);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);

  /** Persists and activates new credentials (files first, then the live key manager). */
  @FunctionalInterface
  public interface CredentialSink {
    void install(Credentials next) throws IOException;
  }

  private final AgentConfig config;
  private final Supplier<Channel> managerChannel;
  private final NodeKeyManager keyManager;
  private final Supplier<List<X509Certificate>> roots;
  private final CredentialSink sink;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final RandomGenerator random;
  private ScheduledFuture<?> next;
  private Duration retry = FIRST_RETRY;
  private boolean closed;

  public CertificateRenewer(
      AgentConfig config,
      Supplier<Channel> managerChannel,
      NodeKeyManager keyManager,
      Supplier<List<X509Certificate>> roots,
      CredentialSink sink,
      Clock clock,
      ScheduledExecutorService scheduler,
      RandomGenerator random) {
    this.config = config;
    this.managerChannel = managerChannel;
    this.keyManager = keyManager;
    this.roots = roots;
    this.sink = sink;
    this.clock = clock;
    this.scheduler = scheduler;
    this.random = random;
  }

  /** Schedules the first renewal from the current certificate. */
  public synchronized void start() {
    scheduleFor(keyManager.current().leaf());
  }

  /** Renews as soon as possible (role changed, or the operator asked). */
  public synchronized void renewNow() {
    schedule(Duration.ZERO);
  }

  /**
   * Renews at a random point within {@code maxDelay} (so that nodes asked together spread out),
   * unless a renewal is running or due sooner already.
   */
  public synchronized void renewSoon(Duration maxDelay) {
    long delay = random.nextLong(Math.max(1, maxDelay.toMillis()));
    if (next != null && !next.isDone() && next.getDelay(TimeUnit.MILLISECONDS) <= delay) {
      return;
    }
    schedule(Duration.ofMillis(delay));
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (next != null) {
      next.cancel(false);
    }
  }

  private void renew() {
    Credentials current = keyManager.current();
    try {
      Credentials renewed = RemoteCa.renew(managerChannel.get(), current.identity(), roots.get(), clock);
      sink.install(renewed);
      log.info("renewed certificate of node {} as {} (serial {}, valid until {})",
          renewed.identity().nodeId(), renewed.identity().role().ou(),
          renewed.leaf().getSerialNumber().toString(16), renewed.leaf().getNotAfter().toInstant());
      synchronized (this) {
        retry = FIRST_RETRY;
        scheduleFor(renewed.leaf());
      }
    } catch (StatusRuntimeException | IOException e) {
      Instant notAfter = current.leaf().getNotAfter().toInstant();
      log.warn("certificate renewal failed ({}); retrying in {} s; current certificate expires at {}",
          e.getMessage(), retry.toSeconds(), notAfter);
      if (nearlyExpired(current.leaf())) {
        log.error("the certificate of node {} expires at {} with less than 20% of its validity left, and"
            + " renewal keeps failing: once it expires the node is cut off and must rejoin with a new token",
            current.identity().nodeId(), notAfter);
      }
      synchronized (this) {
        schedule(retry);
        retry = min(retry.multipliedBy(2), config.renewalRetryMax());
      }
    }
  }

  private void scheduleFor(X509Certificate leaf) {
    Instant at = RenewalSchedule.nextRenewal(leaf, random);
    schedule(Duration.between(clock.instant(), at));
  }

  private void schedule(Duration delay) {
    if (closed) {
      return;
    }
    if (next != null) {
      next.cancel(false);
    }
    next = scheduler.schedule(this::renew, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
  }

  /** Less than 20 % of the certificate's validity is left. */
  private boolean nearlyExpired(X509Certificate leaf) {
    long from = leaf.getNotBefore().getTime();
    long to = leaf.getNotAfter().getTime();
    return to - clock.millis() < (to - from) / 5;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
