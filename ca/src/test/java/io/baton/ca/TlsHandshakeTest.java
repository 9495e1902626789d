package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real TLS over grpc-netty-shaded on loopback with certificates from the CA. */
class TlsHandshakeTest {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
  private static final MethodDescriptor<byte[], byte[]> WHOAMI =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Peer/WhoAmI")
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();
  private static final Context.Key<String> PEER_SERIAL = Context.key("peer-serial");

  private final TestPki pki = TestPki.live();
  private final AtomicInteger calls = new AtomicInteger();
  private NodeKeyManager serverKeys;
  private ClusterTrustManager serverTrust;
  private Server server;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void startServer() throws IOException {
    serverKeys = new NodeKeyManager(pki.credentials(Role.MANAGER));
    serverTrust =
        new ClusterTrustManager(pki.clusterId, List.of(pki.root.certificate()), Clock.systemUTC());
    server = startServer(serverKeys, serverTrust);
  }

  private Server startServer(NodeKeyManager keys, X509ExtendedTrustManager trust)
      throws IOException {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("test.Peer")
            .addMethod(
                WHOAMI,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      calls.incrementAndGet();
                      response.onNext(PEER_SERIAL.get().getBytes(StandardCharsets.UTF_8));
                      response.onCompleted();
                    }))
            .build();
    ServerInterceptor peerSerial =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            String who;
            try {
              who =
                  ((X509Certificate) session.getPeerCertificates()[0])
                      .getSerialNumber()
                      .toString(16);
            } catch (SSLPeerUnverifiedException e) {
              who = "anonymous";
            }
            return Contexts.interceptCall(
                Context.current().withValue(PEER_SERIAL, who), call, headers, next);
          }
        };
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(TlsContexts.server(keys.keyManager(), trust))
        .addService(ServerInterceptors.intercept(service, peerSerial))
        .build()
        .start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void tls12ClientIsRefused() throws Exception {
    NodeKeyManager client = new NodeKeyManager(pki.credentials(Role.WORKER));
    SSLContext tls12 = SSLContext.getInstance("TLSv1.2");
    tls12.init(new KeyManager[] {client.keyManager()}, new TrustManager[] {clientTrust()}, null);
    try (SSLSocket socket =
        (SSLSocket) tls12.getSocketFactory().createSocket("127.0.0.1", server.getPort())) {
      socket.setEnabledProtocols(new String[] {"TLSv1.2"});
      socket.setSoTimeout(10_000);
      assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLException.class);
    }
    assertThat(calls).hasValue(0);
  }

  @Test
  void workerHandshakesAndServerSeesItsCertificateThenRenewalPresentsTheNewOne() {
    Credentials first = pki.credentials(Role.WORKER);
    NodeKeyManager client = new NodeKeyManager(first);
    ManagedChannel before = channel(TlsContexts.client(client.keyManager(), clientTrust()));
    assertThat(whoAmI(before)).isEqualTo(first.leaf().getSerialNumber().toString(16));

    Credentials renewed = pki.credentials(first.identity(), Duration.ofHours(24));
    client.update(renewed);
    ManagedChannel after = channel(TlsContexts.client(client.keyManager(), clientTrust()));
    assertThat(whoAmI(after)).isEqualTo(renewed.leaf().getSerialNumber().toString(16));
    assertThat(whoAmI(before))
        .as("the existing connection keeps working with its original certificate")
        .isEqualTo(first.leaf().getSerialNumber().toString(16));
  }

  @Test
  void serverRenewalIsSeenByNewConnections() {
    AtomicReference<X509Certificate> seen = new AtomicReference<>();
    X509ExtendedTrustManager recording = recording(clientTrust(), seen);
    NodeKeyManager client = new NodeKeyManager(pki.credentials(Role.WORKER));
    whoAmI(channel(TlsContexts.client(client.keyManager(), recording)));
    assertThat(seen.get()).isEqualTo(serverKeys.current().leaf());

    Credentials renewed = pki.credentials(serverKeys.current().identity(), Duration.ofHours(24));
    serverKeys.update(renewed);
    whoAmI(channel(TlsContexts.client(client.keyManager(), recording)));
    assertThat(seen.get()).isEqualTo(renewed.leaf());
  }

  @Test
  void anonymousJoinerPinsTheRootFromTheHandshake() {
    PinnedRootTrustManager pinned =
        new PinnedRootTrustManager(pki.root.digest(), Clock.systemUTC());
    assertThat(whoAmI(channel(TlsContexts.client(null, pinned)))).isEqualTo("anonymous");
    assertThat(pinned.pinnedRoot()).contains(pki.root.certificate());
  }

  @Test
  void joinerRefusesAServerOfAnotherRootBeforeSendingAnything() {
    TestPki other = TestPki.live();
    PinnedRootTrustManager pinned =
        new PinnedRootTrustManager(other.root.digest(), Clock.systemUTC());
    assertThatThrownBy(() -> whoAmI(channel(TlsContexts.client(null, pinned))))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(pinned.pinnedRoot()).isEmpty();
    assertThat(calls).hasValue(0);
  }

  @Test
  void clientCertificateOfAForeignCaIsRefused() {
    TestPki foreign = new TestPki(pki.clusterId, Clock.systemUTC());
    NodeKeyManager client = new NodeKeyManager(foreign.credentials(Role.MANAGER));
    assertThatThrownBy(
            () -> whoAmI(channel(TlsContexts.client(client.keyManager(), clientTrust()))))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(calls).hasValue(0);
  }

  @Test
  void raftPortRefusesWorkers() throws IOException {
    Server raft = startServer(serverKeys, serverTrust.managersOnly());
    try {
      NodeKeyManager worker = new NodeKeyManager(pki.credentials(Role.WORKER));
      NodeKeyManager manager = new NodeKeyManager(pki.credentials(Role.MANAGER));
      assertThatThrownBy(
              () -> whoAmI(channel(raft, TlsContexts.client(worker.keyManager(), clientTrust()))))
          .isInstanceOf(StatusRuntimeException.class);
      assertThat(calls).hasValue(0);
      assertThat(whoAmI(channel(raft, TlsContexts.client(manager.keyManager(), clientTrust()))))
          .isEqualTo(manager.current().leaf().getSerialNumber().toString(16));
    } finally {
      raft.shutdownNow();
    }
  }

  @Test
  void clientRefusesAServerWithAWorkerCertificate() throws IOException {
    Server impostor = startServer(new NodeKeyManager(pki.credentials(Role.WORKER)), serverTrust);
    try {
      NodeKeyManager client = new NodeKeyManager(pki.credentials(Role.WORKER));
      assertThatThrownBy(
              () ->
                  whoAmI(channel(impostor, TlsContexts.client(client.keyManager(), clientTrust()))))
          .isInstanceOf(StatusRuntimeException.class);
      assertThat(calls).hasValue(0);
    } finally {
      impostor.shutdownNow();
    }
  }

  private ClusterTrustManager clientTrust() {
    return new ClusterTrustManager(
        pki.clusterId, List.of(pki.root.certificate()), Clock.systemUTC());
  }

  private ManagedChannel channel(SslContext ssl) {
    return channel(server, ssl);
  }

  private ManagedChannel channel(Server target, SslContext ssl) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", target.getPort())
            .sslContext(ssl)
            .overrideAuthority(Role.MANAGER_SAN)
            .build();
    channels.add(channel);
    return channel;
  }

  private static String whoAmI(ManagedChannel channel) {
    byte[] reply =
        ClientCalls.blockingUnaryCall(
            channel,
            WHOAMI,
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
            new byte[0]);
    return new String(reply, StandardCharsets.UTF_8);
  }

  private static X509ExtendedTrustManager recording(
      X509ExtendedTrustManager delegate, AtomicReference<X509Certificate> seen) {
    return new X509ExtendedTrustManager() {
      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        delegate.checkServerTrusted(chain, authType, engine);
        seen.set(chain[0]);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
        seen.set(chain[0]);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
        seen.set(chain[0]);
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        delegate.checkClientTrusted(chain, authType, engine);
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        delegate.checkClientTrusted(chain, authType, socket);
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        delegate.checkClientTrusted(chain, authType);
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
      }
    };
  }
}
