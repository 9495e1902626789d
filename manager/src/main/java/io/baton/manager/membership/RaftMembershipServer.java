package io.baton.manager.membership;

import io.baton.api.Cluster;
import io.baton.api.DataKeysResponse;
import io.baton.api.GetDataKeysRequest;
import io.baton.api.JoinRaftRequest;
import io.baton.api.JoinRaftResponse;
import io.baton.api.LeaveRaftRequest;
import io.baton.api.LeaveRaftResponse;
import io.baton.api.Node;
import io.baton.api.NodeRole;
import io.baton.api.RaftMembershipGrpc;
import io.baton.manager.GrpcErrors;
import io.baton.manager.auth.Caller;
import io.baton.store.ClusterStore;
import io.baton.store.StoreMembership;
import io.grpc.stub.StreamObserver;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of managers joining and leaving the Raft group. The caller is always the
 * manager itself (its verified identity, possibly forwarded by a follower): a node can only add
 * or remove itself, and only while its stored role is manager.
 */
public final class RaftMembershipServer extends RaftMembershipGrpc.RaftMembershipImplBase {
  private static final Logger log = LoggerFactory.getLogger(RaftMembershipServer.class);
  /** host:port, with a bracketed IPv6 host allowed. */
  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]{1,253}):[0-9]{1,5}");

  private final ClusterStore store;

  public RaftMembershipServer(ClusterStore store) {
    this.store = store;
  }

  @Override
  public void join(JoinRaftRequest request, StreamObserver<JoinRaftResponse> observer) {
    GrpcErrors.unary(observer, () -> {
      String nodeId = ((Caller.Node) Caller.current()).nodeId();
      String raftAddr = checkedAddress("raft_addr", request.getRaftAddr());
      String managerAddr = checkedAddress("manager_addr", request.getManagerAddr());
      store.update(tx -> {
        Node node = tx.node(nodeId).orElseThrow(() -> GrpcErrors.notFound("no such node: " + nodeId));
        if (node.getRole() != NodeRole.NODE_ROLE_MANAGER) {
          throw GrpcErrors.failedPrecondition("node " + nodeId + " is not a manager");
        }
        if (!node.getManagerAddr().equals(managerAddr)) {
          tx.put(node.toBuilder().setManagerAddr(managerAddr).build());
        }
        return null;
      });
      store.membership().addMember(nodeId, raftAddr);
      log.info("manager {} joined the Raft group (Raft {}, API {})", nodeId, raftAddr, managerAddr);
      return JoinRaftResponse.newBuilder()
          .addAllMembers(store.membership().members().stream().map(StoreMembership.Member::id).toList())
          .build();
    });
  }

  @Override
  public void leave(LeaveRaftRequest request, StreamObserver<LeaveRaftResponse> observer) {
    GrpcErrors.unary(observer, () -> {
      String nodeId = ((Caller.Node) Caller.current()).nodeId();
      QuorumGuard.whyNotRemove(store.membership().members(), nodeId).ifPresent(why -> {
        throw GrpcErrors.failedPrecondition("manager " + nodeId + " cannot leave: " + why);
      });
      store.membership().removeMember(nodeId);
      log.info("manager {} left the Raft group", nodeId);
      return LeaveRaftResponse.getDefaultInstance();
    });
  }

  @Override
  public void getDataKeys(GetDataKeysRequest request, StreamObserver<DataKeysResponse> observer) {
    GrpcErrors.unary(observer, () -> {
      Cluster cluster = store.view().cluster().orElseThrow(() -> io.grpc.Status.UNAVAILABLE
          .withDescription("the cluster is still initializing; retry shortly").asRuntimeException());
      String nodeId = ((Caller.Node) Caller.current()).nodeId();
      log.info("sent the store's data keys to manager {}", nodeId);
      return DataKeysResponse.newBuilder()
          .addAllDataKeys(cluster.getDataKeysList())
          .setUnlockKey(cluster.getSpec().getAutolock() ? cluster.getUnlockKey() : com.google.protobuf.ByteString.EMPTY)
          .build();
    });
  }

  private static String checkedAddress(String field, String value) {
    if (!HOST_PORT.matcher(value).matches()) {
      throw GrpcErrors.invalid(field + " must be host:port, got '" + value + "'");
    }
    return value;
  }
}
