package io.baton.manager.ca;

import io.baton.api.Cluster;
import io.baton.api.Node;
import io.baton.api.NodeState;
import io.baton.store.ClusterStore;
import io.baton.store.ReadView;
import io.baton.store.StoreException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader, moves the nodes of a root rotation onto the new root in batches and finishes the
 * rotation once all of them are there (see {@link RootRotations}).
 *
 * <p>Each pass asks at most {@link Config#batchSize()} ready nodes at a time to renew, by setting
 * {@code rotate} on their certificate record (the node sees its own node object in its session). A
 * node asked and not on the new root after {@link Config#retryAfter()} is asked again. Nodes that
 * are down are not asked, and hold the rotation up until they are back or removed. All state that
 * matters is in the store: a new leader picks the rotation up where the old one left it, and
 * finishing is a single conditional write.
 */
public final class RootRotationReconciler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RootRotationReconciler.class);

  /**
   * @param batchSize how many nodes renew at once (SwarmKit asks 30 per pass)
   * @param interval time between passes
   * @param retryAfter how long an asked node has to show up on the new root before it is asked again
   */
  public record Config(int batchSize, Duration interval, Duration retryAfter) {
    public static final Config DEFAULT = new Config(30, Duration.ofSeconds(2), Duration.ofSeconds(60));

    public Config {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch size must be at least 1");
      }
    }
  }

  private final ClusterStore store;
  private final Config config;
  private final Clock clock;
  private final SecureRandom random;
  private final ScheduledFuture<?> task;
  /** When this leader last asked each node to renew; lost (and so repeated) on a leader change. */
  private final Map<String, Instant> asked = new HashMap<>();

  public RootRotationReconciler(
      ClusterStore store, Config config, Clock clock, SecureRandom random, ScheduledExecutorService scheduler) {
    this.store = store;
    this.config = config;
    this.clock = clock;
    this.random = random;
    long every = config.interval().toMillis();
    this.task = scheduler.scheduleWithFixedDelay(this::safePass, every, every, TimeUnit.MILLISECONDS);
  }

  private void safePass() {
    try {
      pass();
    } catch (StoreException | RuntimeException e) {
      log.warn("root rotation pass failed; retrying: {}", e.getMessage());
    }
  }

  /** One pass; does nothing on a follower or without a rotation in progress. */
  synchronized void pass() throws StoreException {
    ReadView view = store.view();
    Optional<Cluster> cluster = view.cluster();
    Optional<X509Certificate> newRoot = cluster.flatMap(RootRotations::newRoot);
    if (!store.isLeader() || newRoot.isEmpty()) {
      asked.clear();
      return;
    }
    String digest = cluster.get().getRootCa().getRotation().getDigest();
    List<Node> behind = view.nodes().stream().filter(n -> !RootRotations.onNewRoot(n, newRoot.get())).toList();
    asked.keySet().retainAll(behind.stream().map(Node::getId).toList());
    if (behind.isEmpty()) {
      finish(digest);
      return;
    }
    Instant now = clock.instant();
    List<Node> ready = behind.stream().filter(n -> n.getStatus().getState() == NodeState.NODE_STATE_READY).toList();
    long renewing = ready.stream().filter(n -> isRenewing(n, now)).count();
    List<String> next = ready.stream()
        .filter(n -> !isRenewing(n, now))
        .limit(Math.max(0, config.batchSize() - renewing))
        .map(Node::getId)
        .toList();
    if (next.isEmpty()) {
      return;
    }
    store.update(tx -> {
      for (String id : next) {
        tx.node(id).ifPresent(n -> tx.put(n.toBuilder()
            .setCertificate(n.getCertificate().toBuilder().setRotate(true))
            .build()));
      }
      return null;
    });
    next.forEach(id -> asked.put(id, now));
    log.info("root rotation: asked {} node(s) to renew onto the new root; {} of {} still on the old root",
        next.size(), behind.size(), view.nodes().size());
  }

  private boolean isRenewing(Node node, Instant now) {
    Instant at = asked.get(node.getId());
    return at != null && at.plus(config.retryAfter()).isAfter(now);
  }

  private void finish(String digest) throws StoreException {
    boolean finished = store.update(tx -> {
      Optional<Cluster> next = tx.cluster().flatMap(c -> RootRotations.finish(c, digest, random));
      next.ifPresent(tx::put);
      return next.isPresent();
    });
    if (finished) {
      log.info("root rotation finished: every node holds a certificate of the new root {}…; the old root is"
          + " no longer trusted and the join tokens were replaced", digest.substring(0, 12));
    }
  }

  @Override
  public void close() {
    task.cancel(false);
  }
}
