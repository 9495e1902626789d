package io.baton.manager.controlapi;

import io.baton.api.AcceptNodeRequest;
import io.baton.api.Availability;
import io.baton.api.Cluster;
import io.baton.api.ClusterInfo;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateSecretRequest;
import io.baton.api.CreateServiceRequest;
import io.baton.api.GetSecretRequest;
import io.baton.api.ListSecretsRequest;
import io.baton.api.ListSecretsResponse;
import io.baton.api.RemoveSecretRequest;
import io.baton.api.RemoveSecretResponse;
import io.baton.api.SecretInfo;
import io.baton.api.CreateJoinTokenRequest;
import io.baton.api.CreateJoinTokenResponse;
import io.baton.api.CreateServiceRequest;
import io.baton.api.ListJoinTokensRequest;
import io.baton.api.ListJoinTokensResponse;
import io.baton.api.RemoveJoinTokenRequest;
import io.baton.api.RemoveJoinTokenResponse;
import io.baton.api.GetServiceRequest;
import io.baton.api.ListServicesRequest;
import io.baton.api.ListServicesResponse;
import io.baton.api.ListTasksRequest;
import io.baton.api.LogEntry;
import io.baton.api.ServiceLogsRequest;
import io.baton.manager.logbroker.LogBroker;
import io.baton.api.ListTasksResponse;
import io.baton.api.RemoveServiceRequest;
import io.baton.api.RemoveServiceResponse;
import io.baton.api.ServiceInfo;
import io.baton.api.UpdateServiceRequest;
import io.baton.api.GetClusterRequest;
import io.baton.api.GetJoinTokensRequest;
import io.baton.api.GetNodeRequest;
import io.baton.api.JoinTokens;
import io.baton.api.ListNodesRequest;
import io.baton.api.ListNodesResponse;
import io.baton.api.ManagerStatus;
import io.baton.api.Node;
import io.baton.api.NodeInfo;
import io.baton.api.NodeRole;
import io.baton.api.NodeState;
import io.baton.api.RemoveNodeRequest;
import io.baton.api.RemoveNodeResponse;
import io.baton.api.RotateJoinTokenRequest;
import io.baton.api.UpdateClusterRequest;
import io.baton.api.GetUnlockKeyRequest;
import io.baton.api.RotateUnlockKeyRequest;
import io.baton.api.Toggle;
import io.baton.api.UnlockKeyInfo;
import io.baton.api.UpdateNodeRequest;
import io.baton.ca.JoinToken;
import io.baton.ca.NodeIdentity;
import io.baton.manager.GrpcErrors;
import io.baton.manager.auth.Caller;
import io.baton.manager.ca.RootRotations;
import io.baton.manager.membership.QuorumGuard;
import io.baton.store.ClusterStore;
import io.baton.store.JoinApproval;
import io.baton.store.StoreMembership;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The administration API. Authorization (managers only) is declared in control.proto and enforced
 * by the interceptor; handlers validate input and never return the root key.
 */
public final class ControlApi extends ControlGrpc.ControlImplBase {
  private static final Logger log = LoggerFactory.getLogger(ControlApi.class);

  /** Shortest node certificate validity an operator may set; shorter makes clock skew fatal. */
  public static final Duration MIN_CERT_EXPIRY = Duration.ofHours(1);

  private final ClusterStore store;
  private final String selfNodeId;
  private final SecureRandom random;
  private final java.time.Clock clock;
  private final ServiceHandlers services;
  private final SecretHandlers secrets;
  private final LogBroker logs;
  private final NodeRemover remover;
  private final JoinTokenHandlers tokens;

  public ControlApi(
      ClusterStore store, String selfNodeId, SecureRandom random, java.time.Clock clock, LogBroker logs) {
    this.logs = logs;
    this.store = store;
    this.selfNodeId = selfNodeId;
    this.random = random;
    this.clock = clock;
    this.services = new ServiceHandlers(store, random, clock);
    this.secrets = new SecretHandlers(store, random);
    this.remover = new NodeRemover(store, clock);
    this.tokens = new JoinTokenHandlers(store, random, clock);
  }

  @Override
  public void createService(CreateServiceRequest request, StreamObserver<ServiceInfo> observer) {
    GrpcErrors.unary(observer, () -> services.create(request));
  }

  @Override
  public void updateService(UpdateServiceRequest request, StreamObserver<ServiceInfo> observer) {
    GrpcErrors.unary(observer, () -> services.update(request));
  }

  @Override
  public void getService(GetServiceRequest request, StreamObserver<ServiceInfo> observer) {
    GrpcErrors.unary(observer, () -> services.get(request.getService()));
  }

  @Override
  public void listServices(ListServicesRequest request, StreamObserver<ListServicesResponse> observer) {
    GrpcErrors.unary(observer, services::list);
  }

  @Override
  public void removeService(RemoveServiceRequest request, StreamObserver<RemoveServiceResponse> observer) {
    GrpcErrors.unary(observer, () -> {
      services.remove(request.getService());
      return RemoveServiceResponse.getDefaultInstance();
    });
  }

  @Override
  public void serviceLogs(ServiceLogsRequest request, StreamObserver<LogEntry> observer) {
    try {
      var service = services.get(request.getService()).getService();
      logs.subscribe(store.view().tasksOfService(service.getId()), request.getFollow(), request.getTail(),
          (io.grpc.stub.ServerCallStreamObserver<LogEntry>) observer);
    } catch (RuntimeException e) {
      observer.onError(GrpcErrors.toStatus(e));
    }
  }

  @Override
  public void listTasks(ListTasksRequest request, StreamObserver<ListTasksResponse> observer) {
    GrpcErrors.unary(observer, () -> services.tasks(request));
  }

  @Override
  public void createSecret(CreateSecretRequest request, StreamObserver<SecretInfo> observer) {
    GrpcErrors.unary(observer, () -> secrets.create(request));
  }

  @Override
  public void getSecret(GetSecretRequest request, StreamObserver<SecretInfo> observer) {
    GrpcErrors.unary(observer, () -> secrets.get(request.getSecret()));
  }

  @Override
  public void listSecrets(ListSecretsRequest request, StreamObserver<ListSecretsResponse> observer) {
    GrpcErrors.unary(observer, secrets::list);
  }

  @Override
  public void removeSecret(RemoveSecretRequest request, StreamObserver<RemoveSecretResponse> observer) {
    GrpcErrors.unary(observer, () -> {
      secrets.remove(request.getSecret());
      return RemoveSecretResponse.getDefaultInstance();
    });
  }

  @Override
  public void listNodes(ListNodesRequest request, StreamObserver<ListNodesResponse> observer) {
    GrpcErrors.unary(observer, () -> ListNodesResponse.newBuilder()
        .addAllNodes(store.view().nodes().stream().map(this::info).toList())
        .build());
  }

  @Override
  public void getNode(GetNodeRequest request, StreamObserver<NodeInfo> observer) {
    GrpcErrors.unary(observer, () -> info(NodeLookup.resolve(store.view(), request.getNode())));
  }

  @Override
  public void updateNode(UpdateNodeRequest request, StreamObserver<NodeInfo> observer) {
    GrpcErrors.unary(observer, () -> {
      String id = NodeLookup.resolve(store.view(), request.getNode()).getId();
      NodeRole role = request.getRole();
      if (role == NodeRole.UNRECOGNIZED) {
        throw GrpcErrors.invalid("unknown node role");
      }
      if (role == NodeRole.NODE_ROLE_WORKER) {
        checkDemotion(id);
      }
      request.getLabelAddMap().forEach((k, v) -> {
        LabelRules.checkKey(k);
        LabelRules.checkValue(k, v);
      });
      Node updated = store.update(tx -> {
        Node node = tx.node(id).orElseThrow(() -> GrpcErrors.notFound("no such node: " + id));
        if (role != NodeRole.NODE_ROLE_UNSPECIFIED && JoinApproval.isPending(node)) {
          throw GrpcErrors.failedPrecondition("node " + id
              + " is waiting for approval: accept it ('baton node accept " + id + "') or remove it first");
        }
        var spec = node.getSpec().toBuilder();
        if (request.getAvailability() != Availability.AVAILABILITY_UNSPECIFIED) {
          spec.setAvailability(request.getAvailability());
        }
        spec.putAllLabels(request.getLabelAddMap());
        for (String key : request.getLabelRmList()) {
          if (!spec.containsLabels(key)) {
            throw GrpcErrors.notFound("node " + id + " has no label '" + key + "'");
          }
          spec.removeLabels(key);
        }
        var next = node.toBuilder();
        if (role != NodeRole.NODE_ROLE_UNSPECIFIED && role != node.getRole()) {
          spec.setDesiredRole(role);
          next.setRole(role);
          log.info("node {} is now a {}", id, role == NodeRole.NODE_ROLE_MANAGER ? "manager" : "worker");
        }
        Node result = next.setSpec(spec).build();
        tx.put(result);
        return result;
      });
      log.info("updated node {}", id);
      return info(updated);
    });
  }

  /**
   * Admits a node that joined under join approval: it gets the role it joined with, and its next
   * call is authorized as that role (a waiting manager then fetches the store's keys and joins the
   * Raft group). Accepting a node that is already a member changes nothing.
   */
  @Override
  public void acceptNode(AcceptNodeRequest request, StreamObserver<NodeInfo> observer) {
    GrpcErrors.unary(observer, () -> {
      String id = NodeLookup.resolve(store.view(), request.getNode()).getId();
      boolean[] changed = {false};
      Node accepted = store.update(tx -> {
        Node node = tx.node(id).orElseThrow(() -> GrpcErrors.notFound("no such node: " + id));
        Node next = JoinApproval.accepted(node);
        if (next != node) {
          tx.put(next);
          changed[0] = true;
        }
        return next;
      });
      if (changed[0]) {
        log.info("accepted node {} as a {}", id,
            accepted.getRole() == NodeRole.NODE_ROLE_MANAGER ? "manager" : "worker");
      }
      return info(accepted);
    });
  }

  @Override
  public void removeNode(RemoveNodeRequest request, StreamObserver<RemoveNodeResponse> observer) {
    GrpcErrors.unary(observer, () -> remover.remove(request, callerNodeId()));
  }

  @Override
  public void getJoinTokens(GetJoinTokensRequest request, StreamObserver<JoinTokens> observer) {
    GrpcErrors.unary(observer, () -> cluster().getJoinTokens());
  }

  @Override
  public void rotateJoinToken(RotateJoinTokenRequest request, StreamObserver<JoinTokens> observer) {
    GrpcErrors.unary(observer, () -> {
      NodeRole role = request.getRole();
      if (role == NodeRole.NODE_ROLE_UNSPECIFIED || role == NodeRole.UNRECOGNIZED) {
        throw GrpcErrors.invalid("say which token to rotate: worker or manager");
      }
      Cluster updated = store.update(tx -> {
        Cluster c = tx.cluster().orElseThrow();
        String fresh = JoinToken.generate(c.getRootCa().getDigest(), random).toString();
        var tokens = c.getJoinTokens().toBuilder();
        if (role == NodeRole.NODE_ROLE_MANAGER) {
          tokens.setManager(fresh);
        } else {
          tokens.setWorker(fresh);
        }
        Cluster next = c.toBuilder().setJoinTokens(tokens).build();
        tx.put(next);
        return next;
      });
      log.info("rotated the {} join token", role == NodeRole.NODE_ROLE_MANAGER ? "manager" : "worker");
      return updated.getJoinTokens();
    });
  }

  @Override
  public void createJoinToken(CreateJoinTokenRequest request, StreamObserver<CreateJoinTokenResponse> observer) {
    GrpcErrors.unary(observer, () -> tokens.create(request));
  }

  @Override
  public void listJoinTokens(ListJoinTokensRequest request, StreamObserver<ListJoinTokensResponse> observer) {
    GrpcErrors.unary(observer, () -> tokens.list(cluster()));
  }

  @Override
  public void removeJoinToken(RemoveJoinTokenRequest request, StreamObserver<RemoveJoinTokenResponse> observer) {
    GrpcErrors.unary(observer, () -> {
      tokens.remove(request.getId());
      return RemoveJoinTokenResponse.getDefaultInstance();
    });
  }

  @Override
  public void getCluster(GetClusterRequest request, StreamObserver<ClusterInfo> observer) {
    GrpcErrors.unary(observer, () -> info(cluster()));
  }

  @Override
  public void updateCluster(UpdateClusterRequest request, StreamObserver<ClusterInfo> observer) {
    GrpcErrors.unary(observer, () -> {
      long expiry = request.getNodeCertExpirySeconds();
      if (request.getJoinApproval() == Toggle.UNRECOGNIZED) {
        throw GrpcErrors.invalid("unknown join approval setting");
      }
      if (expiry != 0 && expiry < MIN_CERT_EXPIRY.toSeconds()) {
        throw GrpcErrors.invalid("minimum certificate expiry is 1h");
      }
      Cluster updated = store.update(tx -> {
        Cluster c = tx.cluster().orElseThrow();
        Cluster next = EncryptionSettings.update(
            c, request.getAutolock(), request.getRotateDataKey(), random, clock.millis());
        if (expiry != 0) {
          next = next.toBuilder().setSpec(next.getSpec().toBuilder().setNodeCertExpirySeconds(expiry)).build();
        }
        if (request.getJoinApproval() != Toggle.TOGGLE_UNCHANGED) {
          next = next.toBuilder().setSpec(next.getSpec().toBuilder()
              .setJoinApproval(request.getJoinApproval() == Toggle.TOGGLE_ON)).build();
        }
        if (request.getRotateRootCa()) {
          next = RootRotations.start(next, clock, random);
        }
        if (!next.equals(c)) {
          tx.put(next);
        }
        return next;
      });
      if (request.getAutolock() != Toggle.TOGGLE_UNCHANGED || request.getRotateDataKey()) {
        log.info("cluster encryption updated: autolock {}, data key {}",
            updated.getSpec().getAutolock() ? "on" : "off", EncryptionSettings.currentDataKeyId(updated));
      }
      if (request.getJoinApproval() != Toggle.TOGGLE_UNCHANGED) {
        log.info("join approval is {}", updated.getSpec().getJoinApproval() ? "on" : "off");
      }
      if (request.getRotateRootCa()) {
        log.info("started a root CA rotation to the new root {}…",
            updated.getRootCa().getRotation().getDigest().substring(0, 12));
      }
      return info(updated);
    });
  }

  @Override
  public void getUnlockKey(GetUnlockKeyRequest request, StreamObserver<UnlockKeyInfo> observer) {
    GrpcErrors.unary(observer, () -> EncryptionSettings.unlockKey(cluster()));
  }

  @Override
  public void rotateUnlockKey(RotateUnlockKeyRequest request, StreamObserver<UnlockKeyInfo> observer) {
    GrpcErrors.unary(observer, () -> {
      Cluster updated = store.update(tx -> {
        Cluster next = EncryptionSettings.rotateUnlockKey(tx.cluster().orElseThrow(), random);
        tx.put(next);
        return next;
      });
      log.info("rotated the unlock key");
      return EncryptionSettings.unlockKey(updated);
    });
  }

  /**
   * Refuses to demote the last manager, or one whose leaving the Raft group would leave the rest
   * without a reachable quorum.
   */
  private void checkDemotion(String id) {
    QuorumGuard.whyNotLeave(store.view(), store.membership().members(), id).ifPresent(reason -> {
      throw GrpcErrors.failedPrecondition("cannot demote node " + id + ": " + reason);
    });
  }

  /**
   * The node the CLI is talking through: the caller's node (this manager for its own control
   * socket, the follower's node for a call it forwarded from its socket), else this manager.
   */
  private String callerNodeId() {
    return Caller.current().identity().map(NodeIdentity::nodeId).orElse(selfNodeId);
  }

  private NodeInfo info(Node node) {
    var info = NodeInfo.newBuilder().setNode(node).setSelf(node.getId().equals(callerNodeId()))
        .setCertificateExpiring(CertificateHealth.expiring(node, store.view().cluster(), clock.instant()));
    if (node.getRole() == NodeRole.NODE_ROLE_MANAGER) {
      info.setManagerStatus(managerStatus(node));
    }
    return info.build();
  }

  private ManagerStatus managerStatus(Node node) {
    List<StoreMembership.Member> members = store.membership().members();
    if (!members.isEmpty()) {
      return members.stream()
          .filter(m -> m.id().equals(node.getId()))
          .findFirst()
          .map(m -> m.leader() ? ManagerStatus.MANAGER_STATUS_LEADER
              : m.reachability() == StoreMembership.Reachability.UNREACHABLE
                  ? ManagerStatus.MANAGER_STATUS_UNREACHABLE
                  : ManagerStatus.MANAGER_STATUS_REACHABLE)
          .orElse(ManagerStatus.MANAGER_STATUS_UNREACHABLE);
    }
    if (node.getId().equals(selfNodeId)) {
      return store.isLeader() ? ManagerStatus.MANAGER_STATUS_LEADER : ManagerStatus.MANAGER_STATUS_REACHABLE;
    }
    return node.getStatus().getState() == NodeState.NODE_STATE_READY
        ? ManagerStatus.MANAGER_STATUS_REACHABLE
        : ManagerStatus.MANAGER_STATUS_UNREACHABLE;
  }

  private ClusterInfo info(Cluster cluster) {
    var info = ClusterInfo.newBuilder();
    RootRotations.progress(cluster, store.view().nodes()).ifPresent(info::setRootRotation);
    return info
        .setId(cluster.getId())
        .setCreatedAtMs(cluster.getMeta().getCreatedAtMs())
        .setSpec(cluster.getSpec())
        .setRootCaCertPem(cluster.getRootCa().getCaCertPem())
        .setRootCaDigest(cluster.getRootCa().getDigest())
        .setExternalCaUrl(cluster.getRootCa().getExternalCa().getUrl())
        .setCurrentDataKey(EncryptionSettings.currentDataKeyId(cluster))
        .setDataKeyCount(cluster.getDataKeysCount())
        .build();
  }

  private Cluster cluster() {
    return store.view().cluster().orElseThrow(() -> Status.UNAVAILABLE
        .withDescription("the cluster is still initializing; retry shortly").asRuntimeException());
  }
}
