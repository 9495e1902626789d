package io.baton.cli.transport;

import com.google.protobuf.Int32Value;
import com.google.protobuf.Message;
import com.google.protobuf.StringValue;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.protobuf.ProtoUtils;

/**
 * Client-side descriptors of the test service {@code test.Echo} (served by
 * {@code io.baton.node.control.EchoNode}). Uses only grpc-api and grpc-protobuf, so the child-JVM
 * class-loading check can use it without pulling server code.
 */
public final class EchoMethods {
  public static final String SERVICE = "test.Echo";

  /** Answers "echo: " + the request; a request "deny:REASON" fails with PERMISSION_DENIED and REASON. */
  public static final MethodDescriptor<StringValue, StringValue> SAY =
      method("Say", MethodType.UNARY, StringValue.getDefaultInstance());
  /** Streams the integers 0 .. n-1 for a request n. */
  public static final MethodDescriptor<Int32Value, Int32Value> COUNT =
      method("Count", MethodType.SERVER_STREAMING, Int32Value.getDefaultInstance());
  /** Never answers; its cancellation is observable in the test service. */
  public static final MethodDescriptor<StringValue, StringValue> HANG =
      method("Hang", MethodType.UNARY, StringValue.getDefaultInstance());
  /** Streams one message, then nothing until cancelled; its cancellation is observable. */
  public static final MethodDescriptor<Int32Value, Int32Value> TICK =
      method("Tick", MethodType.SERVER_STREAMING, Int32Value.getDefaultInstance());
  /** A method the test service does not serve. */
  public static final MethodDescriptor<StringValue, StringValue> MISSING =
      method("Missing", MethodType.UNARY, StringValue.getDefaultInstance());

  private EchoMethods() {}

  private static <T extends Message> MethodDescriptor<T, T> method(String name, MethodType type, T prototype) {
    return MethodDescriptor.<T, T>newBuilder()
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setType(type)
        .setRequestMarshaller(ProtoUtils.marshaller(prototype))
        .setResponseMarshaller(ProtoUtils.marshaller(prototype))
        .build();
  }
}
