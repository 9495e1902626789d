package io.baton.it;

import io.baton.ca.ClusterTrustManager;
import io.baton.ca.Credentials;
import io.baton.ca.NodeKeyManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * Opens a TLS 1.3 connection to a Raft port with a node's credentials and says whether the server
 * answered as HTTP/2 (the gRPC transport Ratis speaks) — that is, whether it admitted the client.
 * With TLS 1.3 the server judges the client certificate after the client's handshake ends, so a
 * refusal shows as an alert or a closed connection on the first read.
 */
public final class RaftPortProbe {
  private static final int TIMEOUT_MS = 5_000;
  private static final byte HTTP2_SETTINGS = 0x4;

  private RaftPortProbe() {}

  /**
   * Whether the TLS port at {@code raft} admits a client with {@code credentials} (null: none) and
   * answers it as HTTP/2.
   */
  public static boolean answers(InetSocketAddress raft, Credentials credentials, TestCluster cluster)
      throws IOException, GeneralSecurityException {
    var trust = new ClusterTrustManager(cluster.manager().identity().clusterId(),
        cluster.manager().credentials().chain().subList(1, 2), Clock.systemUTC());
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    KeyManager[] keys = credentials == null ? null : new KeyManager[] {new NodeKeyManager(credentials).keyManager()};
    ctx.init(keys, new TrustManager[] {trust}, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
      s.connect(raft, TIMEOUT_MS);
      s.setSoTimeout(TIMEOUT_MS);
      SSLParameters params = s.getSSLParameters();
      params.setProtocols(new String[] {"TLSv1.3"});
      params.setApplicationProtocols(new String[] {"h2"});
      s.setSSLParameters(params);
      s.startHandshake();
      OutputStream out = s.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {0, 0, 0, HTTP2_SETTINGS, 0, 0, 0, 0, 0});
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
      byte[] a = answer.toByteArray();
      return a.length >= 9 && a[3] == HTTP2_SETTINGS;
    } catch (IOException refused) {
      return false;
    }
  }
}
