package io.baton.cli.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Int32Value;
import com.google.protobuf.StringValue;
import io.baton.node.control.EchoNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class LocalSocketTransportTest {
  @TempDir Path dir;
  private Path socket;
  private EchoNode node;

  @BeforeEach
  void startNode() throws Exception {
    socket = dir.resolve("control.sock");
    node = EchoNode.start(socket);
  }

  @AfterEach
  void stopNode() {
    node.close();
  }

  @Test
  void unaryRoundTrip() {
    try (var transport = LocalSocketTransport.connect(socket)) {
      assertThat(transport.unary(EchoMethods.SAY, StringValue.of("hello")).getValue()).isEqualTo("echo: hello");
      assertThat(transport.unary(EchoMethods.SAY, StringValue.of("again")).getValue()).isEqualTo("echo: again");
    }
  }

  @Test
  void concurrentCallsOnOneTransportEachGetTheirOwnAnswer() throws Exception {
    try (var transport = LocalSocketTransport.connect(socket);
        var threads = java.util.concurrent.Executors.newFixedThreadPool(8)) {
      List<java.util.concurrent.Future<String>> answers = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        String word = "call-" + i;
        answers.add(threads.submit(() -> transport.unary(EchoMethods.SAY, StringValue.of(word)).getValue()));
      }
      for (int i = 0; i < 64; i++) {
        assertThat(answers.get(i).get()).isEqualTo("echo: call-" + i);
      }
    }
  }

  @Test
  void largeMessagesCrossInBothDirections() {
    String big = "x".repeat(3 * 1024 * 1024);
    try (var transport = LocalSocketTransport.connect(socket)) {
      assertThat(transport.unary(EchoMethods.SAY, StringValue.of(big)).getValue()).isEqualTo("echo: " + big);
    }
  }

  @Test
  void serverStreamsAThousandMessagesInOrder() {
    try (var transport = LocalSocketTransport.connect(socket)) {
      List<Integer> received = new ArrayList<>();
      transport.serverStream(EchoMethods.COUNT, Int32Value.of(1000)).forEachRemaining(v -> received.add(v.getValue()));
      assertThat(received).hasSize(1000);
      for (int i = 0; i < 1000; i++) {
        assertThat(received.get(i)).isEqualTo(i);
      }
    }
  }

  @Test
  void emptyStreamEndsAtOnce() {
    try (var transport = LocalSocketTransport.connect(socket)) {
      Iterator<Int32Value> responses = transport.serverStream(EchoMethods.COUNT, Int32Value.of(0));
      assertThat(responses.hasNext()).isFalse();
    }
  }

  @Test
  void serverErrorStatusPassesThroughWithCodeAndDescription() {
    try (var transport = LocalSocketTransport.connect(socket)) {
      assertThatThrownBy(() -> transport.unary(EchoMethods.SAY, StringValue.of("deny:workers may not list nodes")))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).isEqualTo("workers may not list nodes");
          });
    }
  }

  @Test
  void unknownMethodIsUnimplemented() {
    try (var transport = LocalSocketTransport.connect(socket)) {
      assertThatThrownBy(() -> transport.unary(EchoMethods.MISSING, StringValue.of("?")))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
            assertThat(e.getStatus().getDescription()).contains("test.Echo/Missing");
          });
    }
  }

  @Test
  void missingSocketIsUnavailableWithAClearMessage() {
    Path absent = dir.resolve("nowhere/control.sock");
    try (var transport = LocalSocketTransport.connect(absent)) {
      assertThatThrownBy(() -> transport.unary(EchoMethods.SAY, StringValue.of("hello")))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription())
                .isEqualTo("cannot reach the node at " + absent + ": is it running?");
          });
    }
  }

  @Test
  void socketFileWithoutAServerIsUnavailable() throws Exception {
    Path stale = dir.resolve("stale.sock");
    ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(stale)).close();
    try (var transport = LocalSocketTransport.connect(stale)) {
      assertThatThrownBy(() -> transport.unary(EchoMethods.SAY, StringValue.of("hello")))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription())
                .isEqualTo("cannot reach the node at " + stale + ": is it running?");
          });
    }
  }

  @Test
  void hungNodeHitsTheUnaryTimeoutAndTheServerCallIsCancelled() throws Exception {
    try (var transport = LocalSocketTransport.connect(socket, Duration.ofMillis(300))) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> transport.unary(EchoMethods.HANG, StringValue.of("wait")))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getDescription())
                  .isEqualTo("the node at " + socket + " did not answer within 300 ms"));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(5));
    }
    assertThat(node.hangCancelled.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void clientDisconnectMidStreamCancelsTheServerCall() throws Exception {
    var transport = LocalSocketTransport.connect(socket);
    Iterator<Int32Value> ticks = transport.serverStream(EchoMethods.TICK, Int32Value.of(0));
    assertThat(ticks.next().getValue()).isEqualTo(1);
    assertThat(node.tickCancelled.getCount()).isEqualTo(1);
    transport.close();
    assertThat(node.tickCancelled.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void closingTheTransportEndsAStreamBlockedInAnotherThread() throws Exception {
    var transport = LocalSocketTransport.connect(socket);
    Iterator<Int32Value> ticks = transport.serverStream(EchoMethods.TICK, Int32Value.of(0));
    assertThat(ticks.next().getValue()).isEqualTo(1);
    CompletableFuture<Boolean> blocked = CompletableFuture.supplyAsync(ticks::hasNext);
    Thread.sleep(200);
    assertThat(blocked).isNotDone();
    transport.close();
    assertThat(blocked).failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
    assertThat(node.tickCancelled.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void nodeShutdownMidStreamIsUnavailable() throws Exception {
    try (var transport = LocalSocketTransport.connect(socket)) {
      Iterator<Int32Value> ticks = transport.serverStream(EchoMethods.TICK, Int32Value.of(0));
      assertThat(ticks.next().getValue()).isEqualTo(1);
      node.socket().close();
      assertThatThrownBy(ticks::hasNext).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(ticks.hasNext()).isFalse();
    }
    assertThat(node.tickCancelled.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void requestOverTheSocketLimitIsRefusedBeforeSending() {
    String huge = "x".repeat(9 * 1024 * 1024);
    try (var transport = LocalSocketTransport.connect(socket)) {
      assertThatThrownBy(() -> transport.unary(EchoMethods.SAY, StringValue.of(huge)))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
      assertThat(transport.unary(EchoMethods.SAY, StringValue.of("small")).getValue()).isEqualTo("echo: small");
    }
  }

  @Test
  void closedTransportRefusesNewCalls() {
    var transport = LocalSocketTransport.connect(socket);
    transport.close();
    assertThatThrownBy(() -> transport.unary(EchoMethods.SAY, StringValue.of("late")))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
  }
}
