package io.baton.agent;

import io.baton.api.AssignedSecret;
import io.baton.api.LogSubscription;
import io.baton.api.ManagerPeer;
import io.baton.api.Node;
import io.baton.api.SessionMessage;
import io.baton.api.SessionMessageKind;
import io.baton.api.Task;
import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What this node holds from one session, kept by applying the session's messages in order: the
 * first ({@code COMPLETE}) replaces everything, each later ({@code INCREMENTAL}) one is a patch,
 * removals first. So the node's view of its tasks, secrets and log subscriptions equals the set the
 * managers assign it; a new session (another manager, after a failover) starts a new view.
 *
 * <p>Secret values are kept only as the received messages' own objects, never copied. Not
 * thread-safe: one per session, used by the session's thread.
 */
final class SessionView {
  private boolean started;
  private long heartbeatPeriodMs;
  private List<ManagerPeer> managers = List.of();
  private Node node = Node.getDefaultInstance();
  private String trustedRootsPem = "";
  private final Map<String, Task> tasks = new LinkedHashMap<>();
  private final Map<String, AssignedSecret> secrets = new LinkedHashMap<>();
  private final Map<String, LogSubscription> logSubscriptions = new LinkedHashMap<>();

  /**
   * Applies one message of the session and returns the whole set now held, as one {@code COMPLETE}
   * message. A removal notice is returned as it is.
   *
   * @throws io.grpc.StatusRuntimeException INTERNAL if the first message of the session is
   *     incremental (the session must be opened anew)
   */
  SessionMessage apply(SessionMessage message) {
    if (message.getRemoved()) {
      return message;
    }
    if (message.getKind() == SessionMessageKind.SESSION_MESSAGE_KIND_INCREMENTAL) {
      if (!started) {
        throw Status.INTERNAL
            .withDescription("the manager sent changes before the complete assignment set")
            .asRuntimeException();
      }
      message.getRemovedTaskIdsList().forEach(tasks::remove);
      message.getRemovedSecretIdsList().forEach(secrets::remove);
      message.getRemovedLogSubscriptionIdsList().forEach(logSubscriptions::remove);
      if (message.getHeartbeatPeriodMs() > 0) {
        heartbeatPeriodMs = message.getHeartbeatPeriodMs();
      }
      if (message.getManagersCount() > 0) {
        managers = message.getManagersList();
      }
      if (message.hasNode()) {
        node = message.getNode();
      }
      if (!message.getTrustedRootsPem().isEmpty()) {
        trustedRootsPem = message.getTrustedRootsPem();
      }
    } else {
      started = true;
      tasks.clear();
      secrets.clear();
      logSubscriptions.clear();
      heartbeatPeriodMs = message.getHeartbeatPeriodMs();
      managers = message.getManagersList();
      node = message.getNode();
      trustedRootsPem = message.getTrustedRootsPem();
    }
    message.getTasksList().forEach(t -> tasks.put(t.getId(), t));
    message.getSecretsList().forEach(s -> secrets.put(s.getId(), s));
    message.getLogSubscriptionsList().forEach(s -> logSubscriptions.put(s.getId(), s));
    return SessionMessage.newBuilder()
        .setSessionId(message.getSessionId())
        .setKind(SessionMessageKind.SESSION_MESSAGE_KIND_COMPLETE)
        .setHeartbeatPeriodMs(heartbeatPeriodMs)
        .addAllManagers(managers)
        .setNode(node)
        .addAllTasks(tasks.values())
        .addAllSecrets(secrets.values())
        .addAllLogSubscriptions(logSubscriptions.values())
        .setTrustedRootsPem(trustedRootsPem)
        .build();
  }
}
