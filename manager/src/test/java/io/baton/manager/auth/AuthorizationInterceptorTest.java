package io.baton.manager.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.CAGrpc;
import io.baton.api.Cluster;
import io.baton.api.ControlGrpc;
import io.baton.api.DispatcherGrpc;
import io.baton.api.Node;
import io.baton.ca.NodeIdentity;
import io.baton.ca.Role;
import io.baton.store.ReadView;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Deny by default: every baton RPC declares its roles, and a method without a rule is refused. */
class AuthorizationInterceptorTest {

  @Test
  void everyMethodOfEveryServiceDeclaresWhoMayCallIt() {
    for (ServiceDescriptor service : List.of(
        CAGrpc.getServiceDescriptor(), DispatcherGrpc.getServiceDescriptor(), ControlGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        assertThat(AuthorizationInterceptor.ruleOf(method)).as(method.getFullMethodName()).isPresent();
        assertThat(AuthorizationInterceptor.ruleOf(method).get().getAllowList())
            .as(method.getFullMethodName()).isNotEmpty();
      }
    }
  }

  @Test
  void methodWithoutARuleIsRefusedEvenForAManager() throws Exception {
    MethodDescriptor<byte[], byte[]> undeclared = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("baton.v1.Sneaky/Backdoor")
        .setRequestMarshaller(new Bytes())
        .setResponseMarshaller(new Bytes())
        .build();
    ServerServiceDefinition service = ServerServiceDefinition.builder("baton.v1.Sneaky")
        .addMethod(undeclared, ServerCalls.asyncUnaryCall((req, obs) -> {
          obs.onNext(new byte[] {1});
          obs.onCompleted();
        }))
        .build();
    NodeIdentity manager = new NodeIdentity("m".repeat(25), Role.MANAGER, "c".repeat(25));
    var interceptor = new AuthorizationInterceptor(new IdentitySource.Local(() -> manager),
        new MembershipView(() -> new OneManagerView(manager)),
        new BootstrapRateLimiter(BootstrapRateLimiter.Config.defaults(), Clock.systemUTC()), Clock.systemUTC());
    String name = InProcessServerBuilder.generateName();
    Server server = InProcessServerBuilder.forName(name)
        .addService(ServerInterceptors.intercept(service, interceptor)).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try {
      assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
          channel, undeclared, io.grpc.CallOptions.DEFAULT, new byte[0]))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).contains("declares no authorization rule");
          });
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private record OneManagerView(NodeIdentity manager) implements ReadView {
    @Override
    public Optional<Cluster> cluster() {
      return Optional.of(Cluster.newBuilder().setId(manager.clusterId()).build());
    }

    @Override
    public Optional<Node> node(String id) {
      return nodes().stream().filter(n -> n.getId().equals(id)).findFirst();
    }

    @Override
    public List<Node> nodes() {
      return List.of(Node.newBuilder().setId(manager.nodeId()).setRole(Role.MANAGER.toProto()).build());
    }

    @Override
    public long appliedIndex() {
      return 1;
    }
  }
}
