package io.baton.it;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.TimeUnit;

/** Calls any RPC with its default (empty) request, to probe authorization. */
public final class Rpcs {
  private Rpcs() {}

  /** The status a call of {@code method} with an empty request ends with (OK if it answered). */
  public static Status.Code probe(Channel channel, MethodDescriptor<?, ?> method) {
    return probeTyped(channel, method);
  }

  private static <Q, R> Status.Code probeTyped(Channel channel, MethodDescriptor<Q, R> method) {
    @SuppressWarnings("unchecked")
    Q request = (Q) ((MethodDescriptor.PrototypeMarshaller<Q>) method.getRequestMarshaller())
        .getMessagePrototype();
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
    try {
      if (method.getType() == MethodDescriptor.MethodType.UNARY) {
        ClientCalls.blockingUnaryCall(channel, method, options, request);
      } else {
        try (Context.CancellableContext context = Context.current().withCancellation()) {
          return context.call(() -> {
            ClientCalls.blockingServerStreamingCall(channel, method, options, request).hasNext();
            return Status.Code.OK;
          });
        }
      }
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    } catch (Exception e) {
      if (e.getCause() instanceof StatusRuntimeException sre) {
        return sre.getStatus().getCode();
      }
      throw new IllegalStateException(e);
    }
  }

}
