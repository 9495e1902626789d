package io.baton.store;

import static io.baton.store.StoreFixture.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Raft port speaks only mutually authenticated TLS 1.3 with this cluster's certificates. */
@Timeout(60)
class RaftPortTlsTest {

  /** The HTTP/2 connection preface and an empty SETTINGS frame: how every gRPC client opens. */
  private static final byte[] HTTP2_OPENING = http2Opening();

  private static final int HTTP2_SETTINGS = 0x04;
  private static final int TLS_ALERT_RECORD = 0x15;
  private static final int READ_TIMEOUT_MS = 5_000;

  @TempDir static Path dir;
  private static RatisClusterStore store;
  private static InetSocketAddress raft;

  @BeforeAll
  static void start() throws Exception {
    StoreConfig cfg = config(dir);
    raft = cfg.raftAddress();
    store = StoreFixture.bootstrapped(cfg);
  }

  @AfterAll
  static void stop() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void clientWithAClusterCertificateGetsAnHttp2Answer() throws Exception {
    TestTls server = StoreFixture.tls();
    try (SSLSocket s = tlsSocket(server.clientContext(server, "TLSv1.3"), "TLSv1.3")) {
      s.startHandshake();
      assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
      assertThat(s.getApplicationProtocol()).isEqualTo("h2");

      byte[] answer = exchange(s);

      assertThat(answer.length).isGreaterThanOrEqualTo(9);
      assertThat(answer[3]).as("frame type").isEqualTo((byte) HTTP2_SETTINGS);
    }
  }

  @Test
  void plaintextClientIsDisconnectedWithoutAnAnswer() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(raft, READ_TIMEOUT_MS);

      byte[] answer = exchange(s);

      assertNoHttp2Answer(answer);
    }
  }

  @Test
  void plaintextGarbageIsDisconnected() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(raft, READ_TIMEOUT_MS);
      s.setSoTimeout(READ_TIMEOUT_MS);
      OutputStream out = s.getOutputStream();
      out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();

      byte[] answer = readUntilClosed(s.getInputStream());

      assertNoHttp2Answer(answer);
      assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/");
    }
  }

  @Test
  void tls12ClientIsRefused() throws Exception {
    TestTls server = StoreFixture.tls();
    try (SSLSocket s = tlsSocket(server.clientContext(server, "TLSv1.2"), "TLSv1.2")) {
      assertThatThrownBy(s::startHandshake).isInstanceOf(SSLException.class);
    }
  }

  @Test
  void clientWithoutCertificateGetsNoAnswer() throws Exception {
    TestTls server = StoreFixture.tls();
    assertRefused(server.clientContext(null, "TLSv1.3"));
  }

  @Test
  void clientWithACertificateOfAnotherIssuerGetsNoAnswer() throws Exception {
    TestTls server = StoreFixture.tls();
    TestTls stranger = TestTls.generate(dir);
    assertRefused(server.clientContext(stranger, "TLSv1.3"));
  }

  /** With TLS 1.3 the server judges the client certificate after the client's handshake ends. */
  private static void assertRefused(SSLContext ctx) throws IOException {
    try (SSLSocket s = tlsSocket(ctx, "TLSv1.3")) {
      byte[] answer;
      try {
        s.startHandshake();
        answer = exchange(s);
      } catch (SSLException | SocketTimeoutException expected) {
        return;
      } catch (IOException closed) {
        return;
      }
      assertThat(answer).as("bytes the server sent").isEmpty();
    }
  }

  private static SSLSocket tlsSocket(SSLContext ctx, String protocol) throws IOException {
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
    s.connect(raft, READ_TIMEOUT_MS);
    s.setSoTimeout(READ_TIMEOUT_MS);
    SSLParameters params = s.getSSLParameters();
    params.setProtocols(new String[] {protocol});
    params.setApplicationProtocols(new String[] {"h2"});
    s.setSSLParameters(params);
    return s;
  }

  /** Sends the HTTP/2 opening and returns the first bytes of the answer (empty at EOF). */
  private static byte[] exchange(Socket s) throws IOException {
    s.setSoTimeout(READ_TIMEOUT_MS);
    OutputStream out = s.getOutputStream();
    out.write(HTTP2_OPENING);
    out.flush();
    InputStream in = s.getInputStream();
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    byte[] buf = new byte[256];
    while (answer.size() < 9) {
      int n = in.read(buf);
      if (n < 0) {
        break;
      }
      answer.write(buf, 0, n);
    }
    return answer.toByteArray();
  }

  private static byte[] readUntilClosed(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[256];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        all.write(buf, 0, n);
      }
    } catch (IOException reset) {
      return all.toByteArray();
    }
    return all.toByteArray();
  }

  /** Nothing, or at most a TLS alert record; never an HTTP/2 frame. */
  private static void assertNoHttp2Answer(byte[] answer) {
    if (answer.length > 0) {
      assertThat(answer[0] & 0xff).as("first byte of the answer").isEqualTo(TLS_ALERT_RECORD);
    }
  }

  private static byte[] http2Opening() {
    byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    byte[] settings = {0, 0, 0, HTTP2_SETTINGS, 0, 0, 0, 0, 0};
    byte[] all = new byte[preface.length + settings.length];
    System.arraycopy(preface, 0, all, 0, preface.length);
    System.arraycopy(settings, 0, all, preface.length, settings.length);
    return all;
  }
}
