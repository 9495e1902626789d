package io.baton.node.control;

import io.grpc.Status;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The one request frame of a control-socket connection (see the package documentation for the
 * layout): the full gRPC method name and the serialized request message.
 */
record RequestFrame(String method, byte[] payload) {
  /** Largest request frame body accepted: far above any control request (secrets are ≤ 500 KiB). */
  static final int MAX_BODY = 8 * 1024 * 1024;

  private static final int NAME_LENGTH_BYTES = 2;

  /**
   * Reads one request frame from a blocking channel.
   *
   * @throws BadRequestException if the frame is oversized or not well formed; nothing past an
   *     oversized frame's length is read
   * @throws EOFException if the stream ends before a whole frame arrived
   */
  static RequestFrame read(ReadableByteChannel channel) throws IOException, BadRequestException {
    int length = readFully(channel, ByteBuffer.allocate(Integer.BYTES)).getInt();
    if (length > MAX_BODY) {
      throw new BadRequestException("request frame of " + length + " bytes",
          Status.RESOURCE_EXHAUSTED.withDescription(
              "request of " + length + " bytes is larger than the control socket's limit of " + MAX_BODY));
    }
    if (length < NAME_LENGTH_BYTES + 1) {
      throw new BadRequestException("request frame length " + length, null);
    }
    ByteBuffer body = readFully(channel, ByteBuffer.allocate(length));
    int nameLength = Short.toUnsignedInt(body.getShort());
    if (nameLength == 0 || nameLength > body.remaining()) {
      throw new BadRequestException("method name length " + nameLength + " in a frame of " + length, null);
    }
    String method;
    try {
      method = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(body.slice(body.position(), nameLength))
          .toString();
    } catch (CharacterCodingException e) {
      throw new BadRequestException("method name is not UTF-8", null);
    }
    byte[] array = body.array();
    int payloadStart = NAME_LENGTH_BYTES + nameLength;
    return new RequestFrame(method, Arrays.copyOfRange(array, payloadStart, array.length));
  }

  private static ByteBuffer readFully(ReadableByteChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        throw new EOFException("connection closed after " + buffer.position() + " of " + buffer.capacity() + " bytes");
      }
    }
    return buffer.flip();
  }
}
