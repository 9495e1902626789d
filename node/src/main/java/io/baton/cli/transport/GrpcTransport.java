package io.baton.cli.transport;

import com.google.protobuf.Message;
import io.baton.ca.ClusterTrustManager;
import io.baton.ca.Credentials;
import io.baton.ca.ManagerChannels;
import io.baton.ca.NodeKeyManager;
import io.baton.ca.Pem;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The CLI's remote path: gRPC over mutual TLS 1.3 to a manager, authenticated with certificate
 * files the operator names (docker's {@code -H tcp:// --tlscacert --tlscert --tlskey}). The server
 * must present a manager certificate of the given root; the client certificate decides what the
 * manager allows (a worker's certificate gets PERMISSION_DENIED for the control API).
 */
public final class GrpcTransport implements CliTransport {
  private static final long UNARY_DEADLINE_SECONDS = 30;

  private final ManagerChannels channels;
  private final Channel channel;

  private GrpcTransport(ManagerChannels channels, String address) {
    this.channels = channels;
    this.channel = channels.get(address);
  }

  /**
   * Prepares a connection to {@code address} ({@code HOST:PORT}).
   *
   * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT if a certificate file is unreadable
   */
  public static GrpcTransport connect(String address, Path caCert, Path cert, Path key) {
    try {
      List<X509Certificate> roots = Pem.decodeCertificates(read("--tlscacert", caCert));
      Credentials credentials = new Credentials(
          Pem.decodePrivateKey(read("--tlskey", key)), Pem.decodeCertificates(read("--tlscert", cert)));
      String clusterId = credentials.identity().clusterId();
      var trust = new ClusterTrustManager(clusterId, roots, Clock.systemUTC());
      return new GrpcTransport(new ManagerChannels(new NodeKeyManager(credentials).keyManager(), trust), address);
    } catch (GeneralSecurityException | IllegalStateException e) {
      throw Status.INVALID_ARGUMENT
          .withDescription("unusable TLS files: " + e.getMessage())
          .asRuntimeException();
    }
  }

  private static String read(String flag, Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw Status.INVALID_ARGUMENT
          .withDescription("cannot read " + flag + " " + file + ": " + e.getMessage())
          .asRuntimeException();
    }
  }

  @Override
  public <Q extends Message, R extends Message> R unary(MethodDescriptor<Q, R> method, Q request) {
    return ClientCalls.blockingUnaryCall(channel, method,
        CallOptions.DEFAULT.withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS), request);
  }

  @Override
  public <Q extends Message, R extends Message> Iterator<R> serverStream(MethodDescriptor<Q, R> method, Q request) {
    return ClientCalls.blockingServerStreamingCall(channel, method, CallOptions.DEFAULT, request);
  }

  @Override
  public void close() {
    channels.close();
  }
}
