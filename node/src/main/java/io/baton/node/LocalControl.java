package io.baton.node;

import io.baton.api.ControlGrpc;
import io.baton.node.control.ControlSocketServer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The node's {@code control.sock}: an in-process gRPC server holding the node's services (with the
 * node's own identity and the same authorization as the network), reached through the unix socket.
 * On a worker every control method answers FAILED_PRECONDITION, pointing at a manager.
 */
final class LocalControl implements AutoCloseable {
  private final Server server;
  private final ManagedChannel channel;
  private final ControlSocketServer socket;

  private LocalControl(Server server, ManagedChannel channel, ControlSocketServer socket) {
    this.server = server;
    this.channel = channel;
    this.socket = socket;
  }

  /** Serves {@code services} on {@code socketPath}; with none, serves the worker refusal. */
  static LocalControl start(Path socketPath, List<ServerServiceDefinition> services) throws IOException {
    return serve(socketPath, services.isEmpty() ? List.of(controlRefusal(WORKER_REFUSAL)) : services);
  }

  /**
   * What a locked manager serves: {@code unlock}, and every control method refused with a pointer
   * to {@code baton unlock}.
   */
  static LocalControl startLocked(Path socketPath, ServerServiceDefinition unlock) throws IOException {
    return serve(socketPath, List.of(unlock, controlRefusal(
        "this manager is locked (autolock): run 'baton unlock' with its --state-dir and enter the unlock key")));
  }

  private static final String WORKER_REFUSAL = "this node is a worker; run administration commands against a manager"
      + " (its --state-dir, or -H tcp://MANAGER:PORT with its certificates)";

  private static LocalControl serve(Path socketPath, List<ServerServiceDefinition> served) throws IOException {
    String name = "baton-local-" + UUID.randomUUID();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name);
    Map<String, MethodDescriptor.MethodType> types = new HashMap<>();
    for (ServerServiceDefinition service : served) {
      builder.addService(service);
      service.getMethods().forEach(m -> types.put(
          m.getMethodDescriptor().getFullMethodName(), m.getMethodDescriptor().getType()));
    }
    Server server = builder.build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try {
      return new LocalControl(server, channel, ControlSocketServer.start(socketPath, channel, types::get));
    } catch (IOException e) {
      channel.shutdownNow();
      server.shutdownNow();
      throw e;
    }
  }

  private static ServerServiceDefinition controlRefusal(String why) {
    var builder = ServerServiceDefinition.builder(ControlGrpc.getServiceDescriptor());
    for (MethodDescriptor<?, ?> method : ControlGrpc.getServiceDescriptor().getMethods()) {
      addRefusal(builder, method, why);
    }
    return builder.build();
  }

  private static <Q, R> void addRefusal(ServerServiceDefinition.Builder builder, MethodDescriptor<Q, R> method,
      String why) {
    ServerCallHandler<Q, R> refuse = (ServerCall<Q, R> call, Metadata headers) -> {
      call.close(Status.FAILED_PRECONDITION.withDescription(why), new Metadata());
      return new ServerCall.Listener<>() {};
    };
    builder.addMethod(method, refuse);
  }

  /** See {@link ControlSocketServer#awaitIdle}. */
  void awaitIdle(java.time.Duration timeout) throws InterruptedException {
    socket.awaitIdle(timeout);
  }

  @Override
  public void close() {
    socket.close();
    channel.shutdownNow();
    server.shutdownNow();
    try {
      server.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
