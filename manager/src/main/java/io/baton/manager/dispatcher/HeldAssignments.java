package io.baton.manager.dispatcher;

import com.google.protobuf.ByteString;
import io.baton.api.AssignedSecret;
import io.baton.api.LogSubscription;
import io.baton.api.ManagerPeer;
import io.baton.api.Node;
import io.baton.api.SessionMessage;
import io.baton.api.SessionMessageKind;
import io.baton.api.Task;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one session has given its node so far, and the message that brings the node to a newer
 * {@link SessionContent}: everything the first time ({@code COMPLETE}), afterwards only what changed
 * ({@code INCREMENTAL}: tasks added or changed, task ids removed, secrets added, secret ids
 * withdrawn, and the node object, manager list, heartbeat period, log subscriptions and trusted
 * roots when they changed), or nothing at all when nothing changed.
 *
 * <p>A held task is sent again only when what the node acts on changes (spec, desired state,
 * node, ...): status changes alone are what the node itself reported, and are not echoed back.
 *
 * <p>Security: of each secret only a SHA-256 digest of its name and value is kept, never the value;
 * a secret whose value changes is withdrawn and sent anew, and one no held task references any more
 * is withdrawn, in the same message that removes the task.
 *
 * <p>Writes are serialised by the caller ({@link SessionStream}); {@link #holdsTask} and {@link
 * #holdsSecret} may be called from any thread.
 */
final class HeldAssignments {
  private final String sessionId;
  private boolean started;
  private long heartbeatPeriodMs;
  private List<ManagerPeer> managers = List.of();
  private Node node;
  private String trustedRootsPem = "";
  /** Held tasks without their status, history and meta (see {@link #stable}). */
  private final Map<String, Task> tasks = new ConcurrentHashMap<>();
  /** Held secrets: id to the digest of name and value. */
  private final Map<String, ByteString> secrets = new ConcurrentHashMap<>();
  private final Set<String> logSubscriptions = new HashSet<>();

  HeldAssignments(String sessionId) {
    this.sessionId = sessionId;
  }

  boolean holdsTask(String taskId) {
    return tasks.containsKey(taskId);
  }

  boolean holdsSecret(String secretId) {
    return secrets.containsKey(secretId);
  }

  /**
   * The message that brings the node from what it holds to {@code current}, and from then on takes
   * {@code current} as held; empty if the node already holds exactly that.
   */
  Optional<SessionMessage> next(SessionContent current) {
    SessionMessage.Builder message = SessionMessage.newBuilder().setSessionId(sessionId);
    Map<String, Task> stableTasks = new HashMap<>();
    current.assignments().tasks().forEach(t -> stableTasks.put(t.getId(), stable(t)));
    Map<String, ByteString> digests = digests(current.assignments().secrets());
    if (!started) {
      started = true;
      message.setKind(SessionMessageKind.SESSION_MESSAGE_KIND_COMPLETE)
          .setHeartbeatPeriodMs(current.heartbeatPeriodMs())
          .addAllManagers(current.managers())
          .setNode(current.node())
          .addAllTasks(current.assignments().tasks())
          .addAllSecrets(current.assignments().secrets())
          .addAllLogSubscriptions(current.logSubscriptions())
          .setTrustedRootsPem(current.trustedRootsPem());
      hold(current, stableTasks, digests);
      return Optional.of(message.build());
    }
    message.setKind(SessionMessageKind.SESSION_MESSAGE_KIND_INCREMENTAL);
    boolean changed = false;
    if (current.heartbeatPeriodMs() != heartbeatPeriodMs) {
      message.setHeartbeatPeriodMs(current.heartbeatPeriodMs());
      changed = true;
    }
    // An empty list means "unchanged" on the wire; a cluster with no manager address has no one
    // to fail over to anyway.
    if (!current.managers().isEmpty() && !current.managers().equals(managers)) {
      message.addAllManagers(current.managers());
      changed = true;
    }
    // Empty means "unchanged" on the wire; a cluster always has a root.
    if (!current.trustedRootsPem().isEmpty() && !current.trustedRootsPem().equals(trustedRootsPem)) {
      message.setTrustedRootsPem(current.trustedRootsPem());
      changed = true;
    }
    if (!current.node().equals(node)) {
      message.setNode(current.node());
      changed = true;
    }
    for (Task task : current.assignments().tasks()) {
      if (!stableTasks.get(task.getId()).equals(tasks.get(task.getId()))) {
        message.addTasks(task);
        changed = true;
      }
    }
    for (String held : tasks.keySet()) {
      if (!stableTasks.containsKey(held)) {
        message.addRemovedTaskIds(held);
        changed = true;
      }
    }
    for (AssignedSecret secret : current.assignments().secrets()) {
      ByteString held = secrets.get(secret.getId());
      if (held == null || !held.equals(digests.get(secret.getId()))) {
        if (held != null) {
          message.addRemovedSecretIds(secret.getId());
        }
        message.addSecrets(secret);
        changed = true;
      }
    }
    for (String held : secrets.keySet()) {
      if (!digests.containsKey(held)) {
        message.addRemovedSecretIds(held);
        changed = true;
      }
    }
    Set<String> subscriptionIds = new HashSet<>();
    for (LogSubscription subscription : current.logSubscriptions()) {
      subscriptionIds.add(subscription.getId());
      if (!logSubscriptions.contains(subscription.getId())) {
        message.addLogSubscriptions(subscription);
        changed = true;
      }
    }
    for (String held : logSubscriptions) {
      if (!subscriptionIds.contains(held)) {
        message.addRemovedLogSubscriptionIds(held);
        changed = true;
      }
    }
    if (!changed) {
      return Optional.empty();
    }
    hold(current, stableTasks, digests);
    return Optional.of(message.build());
  }

  private void hold(SessionContent current, Map<String, Task> stableTasks, Map<String, ByteString> digests) {
    heartbeatPeriodMs = current.heartbeatPeriodMs();
    if (!current.managers().isEmpty()) {
      managers = current.managers();
    }
    node = current.node();
    if (!current.trustedRootsPem().isEmpty()) {
      trustedRootsPem = current.trustedRootsPem();
    }
    tasks.keySet().retainAll(stableTasks.keySet());
    tasks.putAll(stableTasks);
    secrets.keySet().retainAll(digests.keySet());
    secrets.putAll(digests);
    logSubscriptions.clear();
    current.logSubscriptions().forEach(s -> logSubscriptions.add(s.getId()));
  }

  /** What of a task the node acts on: all but the status it reports itself and the store's meta. */
  private static Task stable(Task task) {
    return task.toBuilder().clearMeta().clearStatus().clearHistory().build();
  }

  private static Map<String, ByteString> digests(List<AssignedSecret> secrets) {
    Map<String, ByteString> digests = new HashMap<>();
    for (AssignedSecret secret : secrets) {
      MessageDigest sha256 = sha256();
      sha256.update(secret.getName().getBytes(StandardCharsets.UTF_8));
      sha256.update((byte) 0);
      sha256.update(secret.getData().asReadOnlyByteBuffer());
      digests.put(secret.getId(), ByteString.copyFrom(sha256.digest()));
    }
    return digests;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
