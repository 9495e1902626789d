package io.baton.manager.raftproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.ClusterInfo;
import io.baton.api.ControlGrpc;
import io.baton.api.GetClusterRequest;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A follower's channel to a leader that was down a moment ago (managers restarting one after
 * another): the channel sits in reconnect backoff and fails calls at once, although the leader is
 * back; {@link LeaderConnection} dials it again.
 */
class LeaderConnectionTest {
  private int port;
  private ManagedChannel channel;
  private Server leader;

  @BeforeEach
  void dialALeaderThatIsDown() throws Exception {
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    assertThatThrownBy(() -> stub().getCluster(GetClusterRequest.getDefaultInstance()))
        .isInstanceOf(StatusRuntimeException.class);
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE);
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    if (leader != null) {
      leader.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aLeaderBackAtItsAddressIsReachedDespiteTheChannelsBackoff() throws Exception {
    leader = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(new ControlGrpc.ControlImplBase() {
          @Override
          public void getCluster(GetClusterRequest request, StreamObserver<ClusterInfo> response) {
            response.onNext(ClusterInfo.newBuilder().setCurrentDataKey(7).build());
            response.onCompleted();
          }
        })
        .build().start();
    // Without the wait, a call now fails at once: the channel is still in its backoff.
    assertThatThrownBy(() -> stub().getCluster(GetClusterRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

    assertThat(LeaderConnection.awaitReady(channel, Duration.ofSeconds(5))).isTrue();
    assertThat(stub().getCluster(GetClusterRequest.getDefaultInstance()).getCurrentDataKey()).isEqualTo(7);
  }

  @Test
  void aLeaderThatStaysDownFailsWithinTheTimeout() {
    long start = System.nanoTime();
    assertThat(LeaderConnection.awaitReady(channel, Duration.ofMillis(700))).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(650), Duration.ofSeconds(3));
  }

  @Test
  void aShutDownChannelIsNotWaitedFor() {
    channel.shutdownNow();
    long start = System.nanoTime();
    assertThat(LeaderConnection.awaitReady(channel, Duration.ofSeconds(10))).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  private ControlGrpc.ControlBlockingStub stub() {
    return ControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
  }
}
