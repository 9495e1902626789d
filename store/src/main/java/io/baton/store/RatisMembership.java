package io.baton.store;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;

/**
 * {@link StoreMembership} of a {@link RatisClusterStore}: reads the group configuration of the
 * local division and changes it through the local server when it leads.
 *
 * <p>Changes are serialised here and made with compare-and-set against the configuration they
 * were computed from, so two concurrent changes cannot silently undo each other.
 */
final class RatisMembership implements StoreMembership {

  /**
   * A follower the leader has not heard from for this long counts as unreachable: several times
   * the maximum election timeout, so one slow heartbeat does not flip it.
   */
  static final Duration UNREACHABLE_AFTER = Duration.ofMillis(3 * 600);

  private final RaftServer server;
  private final RaftGroupId groupId;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final Duration timeout;

  RatisMembership(RaftServer server, RaftGroupId groupId, Duration timeout) {
    this.server = server;
    this.groupId = groupId;
    this.timeout = timeout;
  }

  @Override
  public Optional<String> leaderId() {
    DivisionInfo info = info();
    if (info == null || info.getLeaderId() == null) {
      return Optional.empty();
    }
    return Optional.of(info.getLeaderId().toString());
  }

  @Override
  public List<Member> members() {
    RaftServer.Division division = division();
    if (division == null) {
      return List.of();
    }
    DivisionInfo info = division.getInfo();
    RaftPeerId leader = info.getLeaderId();
    Map<String, Long> silence = followerSilenceMs(info);
    List<Member> members = new ArrayList<>();
    for (RaftPeer peer : division.getRaftConf().getCurrentPeers()) {
      String id = peer.getId().toString();
      boolean isLeader = peer.getId().equals(leader);
      Reachability reach;
      if (!info.isLeader()) {
        reach = isLeader && leader != null ? Reachability.REACHABLE : Reachability.UNKNOWN;
      } else if (isLeader) {
        reach = Reachability.REACHABLE;
      } else {
        Long ms = silence.get(id);
        reach = ms != null && ms < UNREACHABLE_AFTER.toMillis()
            ? Reachability.REACHABLE
            : Reachability.UNREACHABLE;
      }
      members.add(new Member(id, peer.getAddress(), isLeader, reach));
    }
    return List.copyOf(members);
  }

  /** How long ago the leader last heard from each follower; empty on a follower. */
  private static Map<String, Long> followerSilenceMs(DivisionInfo info) {
    Map<String, Long> out = new HashMap<>();
    RoleInfoProto role = info.getRoleInfoProto();
    if (role.hasLeaderInfo()) {
      for (ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
        out.put(f.getId().getId().toStringUtf8(), f.getLastRpcElapsedTimeMs());
      }
    }
    return out;
  }

  @Override
  public synchronized void addMember(String peerId, String raftAddress) throws StoreException {
    RaftConfiguration conf = currentConf();
    Collection<RaftPeer> voters = conf.getCurrentPeers();
    RaftPeerId id = RaftPeerId.valueOf(peerId);
    RaftPeer existing = conf.getPeer(id, RaftPeerRole.FOLLOWER);
    if (existing != null && existing.getAddress().equals(raftAddress)) {
      return;
    }
    List<RaftPeer> next = new ArrayList<>();
    for (RaftPeer p : voters) {
      if (!p.getId().equals(id)) {
        next.add(p);
      }
    }
    next.add(RaftPeer.newBuilder().setId(id).setAddress(raftAddress).build());
    change(conf, next, "add manager " + peerId);
  }

  @Override
  public synchronized void removeMember(String peerId) throws StoreException {
    RaftConfiguration conf = currentConf();
    RaftPeerId id = RaftPeerId.valueOf(peerId);
    if (conf.getPeer(id, RaftPeerRole.FOLLOWER) == null) {
      return;
    }
    List<RaftPeer> next =
        conf.getCurrentPeers().stream().filter(p -> !p.getId().equals(id)).toList();
    if (next.isEmpty()) {
      throw new IllegalArgumentException("cannot remove the last manager of the Raft group");
    }
    change(conf, next, "remove manager " + peerId);
  }

  @Override
  public synchronized void transferLeadership(String toPeerId) throws StoreException {
    currentConf();
    TransferLeadershipRequest request =
        new TransferLeadershipRequest(
            clientId,
            server.getId(),
            groupId,
            callIds.incrementAndGet(),
            RaftPeerId.valueOf(toPeerId),
            timeout.toMillis());
    String what = "hand the leadership to " + toPeerId;
    check(call(what, () -> server.transferLeadershipAsync(request)), what);
  }

  private void change(RaftConfiguration from, List<RaftPeer> voters, String what)
      throws StoreException {
    SetConfigurationRequest request =
        new SetConfigurationRequest(
            clientId,
            server.getId(),
            groupId,
            callIds.incrementAndGet(),
            SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(voters)
                .setServersInCurrentConf(new ArrayList<>(from.getCurrentPeers()))
                .setListenersInCurrentConf(
                    new ArrayList<>(from.getCurrentPeers(RaftPeerRole.LISTENER)))
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .build());
    check(call(what, () -> server.setConfigurationAsync(request)), what);
  }

  /** An admin request of the local server, waited for up to the timeout. */
  private RaftClientReply call(String what, AdminCall request) throws StoreException {
    try {
      return request.submit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new StoreException.Unavailable(
          "could not " + what + " within " + timeout.toMillis() + " ms; try again", e);
    } catch (ExecutionException | IOException e) {
      throw new StoreException.Unavailable("could not " + what + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException.Unavailable("interrupted while trying to " + what, e);
    }
  }

  private interface AdminCall {
    CompletableFuture<RaftClientReply> submit() throws IOException;
  }

  private static void check(RaftClientReply reply, String what) throws StoreException {
    if (reply.isSuccess()) {
      return;
    }
    if (reply.getException() instanceof NotLeaderException nle) {
      String leader =
          nle.getSuggestedLeader() == null ? null : nle.getSuggestedLeader().getId().toString();
      throw new StoreException.NotLeader(
          "this manager is not the Raft leader and cannot " + what, leader);
    }
    throw new StoreException.Unavailable(
        "could not " + what + ": " + reply.getException().getMessage());
  }

  private RaftConfiguration currentConf() throws StoreException {
    RaftServer.Division division = division();
    if (division == null) {
      throw new StoreException.Unavailable("the cluster store is shut down");
    }
    if (!division.getInfo().isLeader()) {
      RaftPeerId leader = division.getInfo().getLeaderId();
      throw new StoreException.NotLeader(
          "only the Raft leader changes the group; the leader is "
              + (leader == null ? "unknown" : leader),
          leader == null ? null : leader.toString());
    }
    return division.getRaftConf();
  }

  private DivisionInfo info() {
    RaftServer.Division division = division();
    return division == null ? null : division.getInfo();
  }

  private RaftServer.Division division() {
    try {
      return server.getDivision(groupId);
    } catch (IOException e) {
      return null;
    }
  }
}
