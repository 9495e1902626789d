package io.baton.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed EC P-256 certificate made by the JDK's keytool (no BouncyCastle), with SANs
 * {@code baton-manager}, {@code localhost} and {@code 127.0.0.1}, and the key and trust managers
 * built from it. Each instance is a distinct identity; an instance trusts only its own
 * certificate.
 */
final class TestTls {

  private static final char[] PASSWORD = "test-only".toCharArray();

  private final KeyStore keys;
  private final X509Certificate certificate;

  private TestTls(KeyStore keys, X509Certificate certificate) {
    this.keys = keys;
    this.certificate = certificate;
  }

  static TestTls generate(Path dir) throws IOException, GeneralSecurityException {
    Path store = Files.createTempFile(dir, "tls", ".p12");
    Files.delete(store);
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p =
        new ProcessBuilder(
                List.of(
                    keytool,
                    "-genkeypair",
                    "-alias",
                    "node",
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-sigalg",
                    "SHA256withECDSA",
                    "-dname",
                    "CN=baton-manager",
                    "-ext",
                    "SAN=dns:baton-manager,dns:localhost,ip:127.0.0.1",
                    "-validity",
                    "2",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    store.toString(),
                    "-storepass",
                    new String(PASSWORD)))
            .redirectErrorStream(true)
            .start();
    String output;
    try (InputStream in = p.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("keytool failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running keytool", e);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASSWORD);
    }
    return new TestTls(ks, (X509Certificate) ks.getCertificate("node"));
  }

  X509Certificate certificate() {
    return certificate;
  }

  KeyManager keyManager() throws GeneralSecurityException {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    return kmf.getKeyManagers()[0];
  }

  TrustManager trustManager() throws GeneralSecurityException, IOException {
    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    trusted.load(null, null);
    trusted.setCertificateEntry("trusted", certificate);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    return tmf.getTrustManagers()[0];
  }

  RaftTls raftTls() throws GeneralSecurityException, IOException {
    return new RaftTls(keyManager(), trustManager());
  }

  /** A client context presenting {@code client}'s certificate (or none) and trusting this one. */
  SSLContext clientContext(TestTls client, String protocol)
      throws GeneralSecurityException, IOException {
    SSLContext ctx = SSLContext.getInstance(protocol);
    ctx.init(client == null ? null : new KeyManager[] {client.keyManager()},
        new TrustManager[] {trustManager()}, null);
    return ctx;
  }
}
