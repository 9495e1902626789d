package io.baton.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.ca.CfsslEndpoint;
import io.baton.ca.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code cfssl serve} (Debian's golang-cfssl) on loopback, with a fresh root made by {@code
 * cfssl gencert -initca}. Started and stopped by this test JVM only, by its own process handle.
 */
final class CfsslServer implements AutoCloseable {
  static final Path CFSSL = Path.of("/usr/bin/cfssl");
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * How the server signs.
   *
   * @param expiry the signing profile's expiry, as CFSSL writes durations
   * @param authKey whether the profile requires an auth key (then only /authsign signs)
   * @param tls whether the server speaks https, with a certificate of its own root for 127.0.0.1
   */
  record Options(String expiry, boolean authKey, boolean tls) {
    static Options standard() {
      return new Options("24h", true, false);
    }
  }

  private final Path dir;
  private final Options options;
  private final int port;
  private final byte[] authKey = new byte[32];
  private final X509Certificate root;
  private String signingPair = "root";
  private Process process;

  private CfsslServer(Path dir, Options options) throws IOException, InterruptedException {
    this.dir = dir;
    this.options = options;
    this.port = Ports.freePair();
    new SecureRandom().nextBytes(authKey);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("root-csr.json"),
        "{\"CN\":\"operator root for baton\",\"key\":{\"algo\":\"ecdsa\",\"size\":256},\"names\":[{\"O\":\"operator\"}]}");
    writeKeyPair(run("gencert", "-initca", "root-csr.json"), "root");
    if (options.tls()) {
      Files.writeString(dir.resolve("tls-config.json"), "{\"signing\":{\"default\":{\"expiry\":\"24h\","
          + "\"usages\":[\"digital signature\",\"key encipherment\",\"server auth\"]}}}");
      Files.writeString(dir.resolve("tls-csr.json"),
          "{\"CN\":\"cfssl\",\"key\":{\"algo\":\"ecdsa\",\"size\":256}}");
      writeKeyPair(run("gencert", "-ca", "root.pem", "-ca-key", "root-key.pem", "-config", "tls-config.json",
          "-hostname", "127.0.0.1", "tls-csr.json"), "tls");
    }
    String auth = options.authKey() ? ",\"auth_key\":\"baton\"" : "";
    Files.writeString(dir.resolve("config.json"), "{\"signing\":{\"default\":{\"expiry\":\"" + options.expiry()
        + "\",\"usages\":[\"digital signature\",\"server auth\",\"client auth\"]" + auth + "}},"
        + "\"auth_keys\":{\"baton\":{\"type\":\"standard\",\"key\":\"" + HexFormat.of().formatHex(authKey) + "\"}}}");
    try {
      this.root = Pem.decodeCertificates(Files.readString(dir.resolve("root.pem"))).get(0);
    } catch (CertificateException e) {
      throw new IOException("cfssl made an unreadable root", e);
    }
  }

  static boolean installed() {
    return Files.isExecutable(CFSSL);
  }

  /** Makes a root under {@code dir} and starts serving with it. */
  static CfsslServer start(Path dir, Options options) throws IOException, InterruptedException {
    CfsslServer server = new CfsslServer(dir, options);
    server.start();
    return server;
  }

  /**
   * Restarts the server at the same URL with the same auth key, signing with a root of its own
   * that is not {@link #root()}: a CFSSL re-keyed by mistake, or replaced by an attacker who got
   * the auth key. {@link #restartWithItsRoot} goes back.
   */
  void restartWithAnotherRoot() throws IOException, InterruptedException {
    stop();
    if (!Files.exists(dir.resolve("other-root.pem"))) {
      writeKeyPair(run("gencert", "-initca", "root-csr.json"), "other-root");
    }
    signingPair = "other-root";
    start();
  }

  /** Restarts the server signing with {@link #root()} again. */
  void restartWithItsRoot() throws IOException {
    stop();
    signingPair = "root";
    start();
  }

  /** (Re)starts the server process with the same signing root, port and auth key. */
  void start() throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of(CFSSL.toString(), "serve", "-ca", signingPair + ".pem",
        "-ca-key", signingPair + "-key.pem", "-config", "config.json", "-address", "127.0.0.1", "-port",
        Integer.toString(port)));
    if (options.tls()) {
      command.addAll(List.of("-tls-cert", "tls.pem", "-tls-key", "tls-key.pem"));
    }
    process = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("serve.log").toFile()))
        .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new IOException("cfssl serve did not start; see " + dir.resolve("serve.log"));
        }
        sleep(50);
      }
    }
  }

  /** Stops the server process (by its own handle) and waits until it is gone. */
  void stop() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  String url() {
    return (options.tls() ? "https" : "http") + "://127.0.0.1:" + port;
  }

  /** The endpoint as baton's {@code --external-ca} gives it, with the auth key when the profile needs one. */
  CfsslEndpoint endpoint() {
    return CfsslEndpoint.parse("cfssl=" + url(), options.authKey() ? authKey.clone() : null);
  }

  byte[] authKey() {
    return authKey.clone();
  }

  X509Certificate root() {
    return root;
  }

  Path rootPem() {
    return dir.resolve("root.pem");
  }

  /** The server's log (one line per request, among others). */
  Path log() {
    return dir.resolve("serve.log");
  }

  Path rootKeyPem() {
    return dir.resolve("root-key.pem");
  }

  @Override
  public void close() {
    stop();
  }

  private JsonNode run(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of(CFSSL.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile())
        .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("gencert.log").toFile()))
        .start();
    byte[] out = p.getInputStream().readAllBytes();
    if (p.waitFor() != 0) {
      throw new IOException("cfssl " + String.join(" ", args) + " failed; see " + dir.resolve("gencert.log"));
    }
    return JSON.readTree(out);
  }

  private void writeKeyPair(JsonNode made, String name) throws IOException {
    Files.writeString(dir.resolve(name + ".pem"), made.path("cert").asText());
    Files.writeString(dir.resolve(name + "-key.pem"), made.path("key").asText());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted"));
    }
  }
}
