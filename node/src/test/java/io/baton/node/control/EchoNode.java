package io.baton.node.control;

import com.google.protobuf.Int32Value;
import com.google.protobuf.StringValue;
import io.baton.cli.transport.EchoMethods;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A test node: the {@code test.Echo} service on a real in-process gRPC server, reached through a
 * real {@link ControlSocketServer} on a unix socket. Counts down {@link #hangCancelled} and
 * {@link #tickCancelled} when a Hang or Tick call is cancelled.
 */
public final class EchoNode implements AutoCloseable {
  public final CountDownLatch hangCancelled = new CountDownLatch(1);
  public final CountDownLatch tickCancelled = new CountDownLatch(1);
  public final CountDownLatch tickStarted = new CountDownLatch(1);

  private final ServerServiceDefinition service = service();
  private final Server server;
  private final ManagedChannel channel;
  private ControlSocketServer socket;

  private EchoNode() throws IOException {
    String name = "echo-" + UUID.randomUUID();
    server = InProcessServerBuilder.forName(name).addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  public static EchoNode start(Path socketPath) throws IOException {
    EchoNode node = new EchoNode();
    try {
      node.socket = ControlSocketServer.start(socketPath, node.channel, methodTypes(node.service));
      return node;
    } catch (IOException | RuntimeException e) {
      node.close();
      throw e;
    }
  }

  public ControlSocketServer socket() {
    return socket;
  }

  @Override
  public void close() {
    if (socket != null) {
      socket.close();
    }
    channel.shutdownNow();
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static Function<String, MethodType> methodTypes(ServerServiceDefinition service) {
    Map<String, MethodType> types = new HashMap<>();
    for (var method : service.getMethods()) {
      types.put(method.getMethodDescriptor().getFullMethodName(), method.getMethodDescriptor().getType());
    }
    return types::get;
  }

  private ServerServiceDefinition service() {
    return ServerServiceDefinition.builder(EchoMethods.SERVICE)
        .addMethod(EchoMethods.SAY, ServerCalls.asyncUnaryCall(EchoNode::say))
        .addMethod(EchoMethods.COUNT, ServerCalls.asyncServerStreamingCall(EchoNode::count))
        .addMethod(EchoMethods.HANG, ServerCalls.asyncUnaryCall(this::hang))
        .addMethod(EchoMethods.TICK, ServerCalls.asyncServerStreamingCall(this::tick))
        .build();
  }

  private static void say(StringValue request, StreamObserver<StringValue> response) {
    if (request.getValue().startsWith("deny:")) {
      String reason = request.getValue().substring("deny:".length());
      response.onError(Status.PERMISSION_DENIED.withDescription(reason).asRuntimeException());
      return;
    }
    response.onNext(StringValue.of("echo: " + request.getValue()));
    response.onCompleted();
  }

  private static void count(Int32Value request, StreamObserver<Int32Value> response) {
    for (int i = 0; i < request.getValue(); i++) {
      response.onNext(Int32Value.of(i));
    }
    response.onCompleted();
  }

  private void hang(StringValue request, StreamObserver<StringValue> response) {
    ((ServerCallStreamObserver<StringValue>) response).setOnCancelHandler(hangCancelled::countDown);
  }

  private void tick(Int32Value request, StreamObserver<Int32Value> response) {
    ((ServerCallStreamObserver<Int32Value>) response).setOnCancelHandler(tickCancelled::countDown);
    response.onNext(Int32Value.of(1));
    tickStarted.countDown();
  }
}
