package io.baton.node.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Int32Value;
import com.google.protobuf.StringValue;
import io.baton.cli.transport.EchoMethods;
import io.baton.cli.transport.LocalSocketTransport;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ControlSocketServerTest {
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
  void socketFileIsOwnerOnly() throws Exception {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
  }

  @Test
  void garbageFramingClosesTheConnectionAndTheServerKeepsServing() throws Exception {
    byte[] noise = new byte[4096];
    new Random(42).nextBytes(noise);
    noise[0] = (byte) 0x80;
    assertClosedWithoutAnswer(noise);
    assertClosedWithoutAnswer(ByteBuffer.allocate(6).putInt(2).putShort((short) 0).array());
    assertClosedWithoutAnswer(ByteBuffer.allocate(8).putInt(4).putShort((short) 300).put(new byte[] {'a', 'b'}).array());
    assertClosedWithoutAnswer(ByteBuffer.allocate(7).putInt(3).putShort((short) 1).put((byte) 0xFF).array());
    assertClosedWithoutAnswer(ByteBuffer.allocate(6).putInt(100).putShort((short) 5).array());
    assertGoodCallWorks();
  }

  @Test
  void oversizedFrameIsRefusedWithResourceExhaustedAndTheServerKeepsServing() throws Exception {
    try (SocketChannel raw = rawConnection()) {
      write(raw, ByteBuffer.allocate(4).putInt(RequestFrame.MAX_BODY + 1).array());
      ByteBuffer frame = readFrame(raw);
      assertThat(frame.get()).isEqualTo((byte) 2);
      assertThat(frame.getInt()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
      assertThat(StandardCharsets.UTF_8.decode(frame).toString()).contains("larger than");
      assertThat(raw.read(ByteBuffer.allocate(1))).isEqualTo(-1);
    }
    assertGoodCallWorks();
  }

  @Test
  void rawWireFormatMatchesTheDocumentation() throws Exception {
    byte[] name = "test.Echo/Say".getBytes(StandardCharsets.UTF_8);
    byte[] payload = StringValue.of("wire").toByteArray();
    try (SocketChannel raw = rawConnection()) {
      write(raw, ByteBuffer.allocate(4 + 2 + name.length + payload.length)
          .putInt(2 + name.length + payload.length).putShort((short) name.length).put(name).put(payload).array());
      ByteBuffer message = readFrame(raw);
      assertThat(message.get()).isEqualTo((byte) 1);
      assertThat(StringValue.parseFrom(message).getValue()).isEqualTo("echo: wire");
      ByteBuffer status = readFrame(raw);
      assertThat(status.get()).isEqualTo((byte) 2);
      assertThat(status.getInt()).isZero();
      assertThat(status.remaining()).isZero();
      assertThat(raw.read(ByteBuffer.allocate(1))).isEqualTo(-1);
    }
  }

  @Test
  void secondServerOnALiveSocketFailsClearly() {
    assertThatThrownBy(() -> ControlSocketServer.start(socket, null, name -> null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> EchoNode.start(socket))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("another node is running on " + dir);
    assertGoodCallWorks();
  }

  @Test
  void staleSocketFromADeadServerIsReplaced() throws Exception {
    Path stale = dir.resolve("stale.sock");
    ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(stale)).close();
    assertThat(stale).exists();
    try (EchoNode second = EchoNode.start(stale); var transport = LocalSocketTransport.connect(stale)) {
      assertThat(transport.unary(EchoMethods.SAY, StringValue.of("fresh")).getValue()).isEqualTo("echo: fresh");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stale))).isEqualTo("rw-------");
    }
    assertThat(stale).doesNotExist();
  }

  @Test
  void aFileThatIsNotASocketIsNeverReplaced() throws Exception {
    Path file = dir.resolve("not-a-socket");
    Files.writeString(file, "keep me");
    assertThatThrownBy(() -> EchoNode.start(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is not a socket");
    assertThat(Files.readString(file)).isEqualTo("keep me");
  }

  @Test
  void closeStopsAcceptingEndsOpenCallsAndDeletesTheSocketFile() throws Exception {
    try (var transport = LocalSocketTransport.connect(socket)) {
      Iterator<Int32Value> ticks = transport.serverStream(EchoMethods.TICK, Int32Value.of(0));
      assertThat(ticks.next().getValue()).isEqualTo(1);
      node.socket().close();
      assertThat(node.tickCancelled.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(socket).doesNotExist();
      assertThatThrownBy(() -> transport.unary(EchoMethods.SAY, StringValue.of("late")))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void closeLeavesASocketFileThatIsNoLongerItsOwn() throws Exception {
    Files.delete(socket);
    ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    other.bind(UnixDomainSocketAddress.of(socket));
    try (other) {
      node.socket().close();
      assertThat(socket).exists();
    }
  }

  private void assertClosedWithoutAnswer(byte[] bytes) throws IOException {
    try (SocketChannel raw = rawConnection()) {
      write(raw, bytes);
      raw.shutdownOutput();
      ByteBuffer any = ByteBuffer.allocate(1);
      int read;
      try {
        read = raw.read(any);
      } catch (IOException reset) {
        read = -1;
      }
      assertThat(read).as("server answer to garbage").isEqualTo(-1);
    }
  }

  private void assertGoodCallWorks() {
    try (var transport = LocalSocketTransport.connect(socket)) {
      assertThat(transport.unary(EchoMethods.SAY, StringValue.of("still here")).getValue())
          .isEqualTo("echo: still here");
    }
  }

  private SocketChannel rawConnection() throws IOException {
    SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX);
    raw.connect(UnixDomainSocketAddress.of(socket));
    return raw;
  }

  private static void write(SocketChannel raw, byte[] bytes) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining()) {
      raw.write(buffer);
    }
  }

  private static ByteBuffer readFrame(SocketChannel raw) throws IOException {
    int length = readFully(raw, ByteBuffer.allocate(4)).getInt();
    return readFully(raw, ByteBuffer.allocate(length));
  }

  private static ByteBuffer readFully(SocketChannel raw, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      if (raw.read(buffer) < 0) {
        throw new EOFException();
      }
    }
    return buffer.flip();
  }
}
