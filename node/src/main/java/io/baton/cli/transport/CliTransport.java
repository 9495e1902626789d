package io.baton.cli.transport;

import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import java.util.Iterator;

/**
 * How an administration command reaches a node: the local control socket
 * ({@link LocalSocketTransport}) or gRPC over mutual TLS to a manager ({@link GrpcTransport}).
 * Commands are written against this interface only, so they behave the same on either path.
 *
 * <p>Every failure surfaces as an {@link io.grpc.StatusRuntimeException}: a status the node
 * answered passes through with its code and description; a node that cannot be reached, or a
 * connection lost mid-call, is UNAVAILABLE.
 */
public interface CliTransport extends AutoCloseable {
  /**
   * Makes one unary call and returns its response.
   *
   * @throws io.grpc.StatusRuntimeException on any failure
   */
  <Q extends Message, R extends Message> R unary(MethodDescriptor<Q, R> method, Q request);

  /**
   * Starts a server-streaming call. The iterator yields responses lazily as they arrive; its
   * {@code hasNext}/{@code next} throw {@link io.grpc.StatusRuntimeException} when the call fails.
   * Closing the transport ends calls still streaming. An iterator is for one thread.
   */
  <Q extends Message, R extends Message> Iterator<R> serverStream(MethodDescriptor<Q, R> method, Q request);

  /** Releases connections; calls still streaming end. */
  @Override
  void close();
}
