package io.baton.ca;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Signs node certificates with an operator's CFSSL server ({@code cfssl serve}); no baton process
 * ever holds the root key.
 *
 * <p>Baton still decides everything: the CSR is admitted here by baton's own rules ({@link Csr})
 * before it leaves the process, and the sign request asks CFSSL for baton's assignment (subject
 * {@code CN=<node id>, OU=<role>, O=<cluster id>} and the DNS names as {@code hosts}), through {@code
 * /api/v1/cfssl/sign}, or {@code /api/v1/cfssl/authsign} with an HMAC-SHA256 token when the endpoint
 * has an auth key. CFSSL only signs, with the validity of its signing profile. Since CFSSL 1.2 copies
 * subject attributes the request leaves empty from the CSR, and its profile may be looser than
 * baton's issuer, every returned certificate goes through {@link AssignedCertificateCheck} (exact
 * subject, names, usages, validity, and a chain to {@link #root()}); anything else is refused with
 * {@link ExternalCaException.Failure#BAD_CERTIFICATE} and never handed out.
 *
 * <p>Trust: the cluster root is CFSSL's own signing certificate, which must be a self-signed root
 * (intermediates are not supported). With {@code https}, the CFSSL server's TLS certificate must
 * chain to that root and name the URL's host; baton trusts nothing else for that connection. Over
 * plain {@code http} nothing protects the connection: use it only on loopback or a trusted network,
 * give the root with {@code --external-ca-cert} (else it is taken from the server on first use),
 * and use an auth key so that no one else can have certificates signed. Whoever can get this CFSSL
 * to sign {@code O=<cluster id>} holds a cluster identity, so the endpoint and its profile should
 * serve baton only.
 *
 * <p>Each request waits at most 3 s to connect and 5 s for the answer, and reads at most 256 KiB.
 * Thread-safe.
 */
public final class CfsslSigner implements NodeCertificateSigner {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final int MAX_RESPONSE_BYTES = 256 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CfsslEndpoint endpoint;
  private final X509Certificate root;
  private final Clock clock;
  private final HttpClient http;

  /** A signer for a CFSSL whose root is already known (a manager reading the cluster object). */
  public CfsslSigner(CfsslEndpoint endpoint, X509Certificate root, Clock clock) {
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.root = Objects.requireNonNull(root, "root");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.http = client(endpoint, root);
  }

  /**
   * Asks the CFSSL at {@code endpoint} which certificate it signs with, and returns a signer for it
   * (for {@code init}).
   *
   * @param pinnedRoot the root the operator gave, which CFSSL must sign with; or null to take
   *     CFSSL's certificate as the root (not allowed with https, whose server must be verified)
   * @throws ExternalCaException if CFSSL is unreachable, or signs with another certificate than the
   *     pinned root, or with one that is not a self-signed root
   */
  public static CfsslSigner connect(CfsslEndpoint endpoint, X509Certificate pinnedRoot, Clock clock)
      throws ExternalCaException {
    if (pinnedRoot == null && endpoint.usesTls()) {
      throw new IllegalArgumentException("an https external CA needs its root certificate"
          + " (--external-ca-cert) to verify the CFSSL server");
    }
    HttpClient client = client(endpoint, pinnedRoot);
    ObjectNode body = JSON.createObjectNode().put("label", "").put("profile", "");
    JsonNode result = call(client, endpoint, endpoint.infoUrl(), body);
    X509Certificate signing = certificateOf(endpoint, result);
    if (pinnedRoot != null && !pinnedRoot.equals(signing)) {
      throw new ExternalCaException(ExternalCaException.Failure.BAD_CERTIFICATE, "external CA at "
          + endpoint.baseUrl() + " signs with another certificate than the given root (digest "
          + CaDigest.of(signing) + ")");
    }
    if (!ChainVerifier.isSelfSignedCa(signing)) {
      throw new ExternalCaException(ExternalCaException.Failure.BAD_CERTIFICATE, "external CA at "
          + endpoint.baseUrl() + " signs with a certificate that is not a self-signed root CA;"
          + " intermediate CAs are not supported");
    }
    return new CfsslSigner(endpoint, signing, clock);
  }

  public CfsslEndpoint endpoint() {
    return endpoint;
  }

  @Override
  public X509Certificate root() {
    return root;
  }

  @Override
  public IssuedCertificate sign(String csrPem, NodeIdentity identity, Duration validity)
      throws CsrRejectedException, ExternalCaException {
    PKCS10CertificationRequest csr = Csr.parse(csrPem);
    PublicKey key = Csr.admittedKey(csr);
    ObjectNode request = JSON.createObjectNode();
    request.put("certificate_request", csrPem);
    CertificateIssuer.dnsNames(identity).forEach(request.putArray("hosts")::add);
    ObjectNode subject = request.putObject("subject").put("CN", identity.nodeId());
    subject.putArray("names").addObject().put("O", identity.clusterId()).put("OU", identity.role().ou());
    request.put("profile", "");
    JsonNode result =
        call(http, endpoint, endpoint.signUrl(), endpoint.hasAuthKey() ? authenticated(request) : request);
    X509Certificate leaf = certificateOf(endpoint, result);
    try {
      AssignedCertificateCheck.verify(leaf, key, identity, validity, root, clock.instant());
    } catch (CertificateException e) {
      throw new ExternalCaException(ExternalCaException.Failure.BAD_CERTIFICATE, "external CA at "
          + endpoint.baseUrl() + " returned a certificate baton does not hand out: " + e.getMessage());
    }
    List<X509Certificate> chain = List.of(leaf, root);
    return new IssuedCertificate(leaf, chain, Pem.encodeCertificates(chain), leaf.getNotAfter().toInstant(),
        Certificates.serialHex(leaf.getSerialNumber()));
  }

  /** CFSSL's "standard" auth: {@code {"token": b64(HMAC-SHA256(key, body)), "request": b64(body)}}. */
  private ObjectNode authenticated(ObjectNode request) {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(request);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the sign request", e);
    }
    byte[] key = endpoint.authKey();
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      Base64.Encoder b64 = Base64.getEncoder();
      return JSON.createObjectNode()
          .put("token", b64.encodeToString(mac.doFinal(body)))
          .put("request", b64.encodeToString(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    } finally {
      java.util.Arrays.fill(key, (byte) 0);
    }
  }

  /** POSTs {@code body} and returns the {@code result} of a successful CFSSL response. */
  private static JsonNode call(HttpClient client, CfsslEndpoint endpoint, URI url, JsonNode body)
      throws ExternalCaException {
    HttpResponse<InputStream> response;
    byte[] answer;
    try {
      HttpRequest request = HttpRequest.newBuilder(url)
          .timeout(REQUEST_TIMEOUT)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
          .build();
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body()) {
        answer = in.readNBytes(MAX_RESPONSE_BYTES + 1);
      }
    } catch (IOException | UnresolvedAddressException e) {
      throw unreachable(endpoint, describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable(endpoint, "interrupted");
    }
    if (answer.length > MAX_RESPONSE_BYTES) {
      throw unreachable(endpoint, "its answer is larger than 256 KiB");
    }
    JsonNode json;
    try {
      json = JSON.readTree(answer);
    } catch (IOException e) {
      json = null;
    }
    if (json == null || !json.isObject() || !json.has("success")) {
      if (response.statusCode() == 404) {
        throw new ExternalCaException(ExternalCaException.Failure.REFUSED, "external CA at "
            + endpoint.baseUrl() + " has no " + url.getPath() + " endpoint (HTTP 404): "
            + (endpoint.hasAuthKey() ? "does its signing profile have an auth key?"
                : "its signing profile requires an auth key (--external-ca-auth-key-file)?"));
      }
      throw unreachable(endpoint, "HTTP " + response.statusCode() + " without a CFSSL answer");
    }
    if (!json.path("success").asBoolean(false)) {
      JsonNode error = json.path("errors").path(0);
      String message = error.path("message").asText("no reason given");
      throw new ExternalCaException(ExternalCaException.Failure.REFUSED, "external CA at "
          + endpoint.baseUrl() + " refused: " + oneLine(message) + " (CFSSL code " + error.path("code").asInt()
          + ", HTTP " + response.statusCode() + ")");
    }
    return json.path("result");
  }

  private static X509Certificate certificateOf(CfsslEndpoint endpoint, JsonNode result)
      throws ExternalCaException {
    try {
      List<X509Certificate> certs = Pem.decodeCertificates(result.path("certificate").asText(""));
      if (certs.size() == 1) {
        return certs.get(0);
      }
    } catch (CertificateException e) {
      // reported below
    }
    throw new ExternalCaException(ExternalCaException.Failure.BAD_CERTIFICATE,
        "external CA at " + endpoint.baseUrl() + " answered without exactly one readable certificate");
  }

  private static ExternalCaException unreachable(CfsslEndpoint endpoint, String why) {
    return new ExternalCaException(ExternalCaException.Failure.UNREACHABLE,
        "external CA at " + endpoint.baseUrl() + " is unreachable: " + why);
  }

  private static String describe(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof HttpConnectTimeoutException) {
        return "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s";
      }
      if (t instanceof HttpTimeoutException) {
        return "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
      }
      if (t instanceof ConnectException) {
        return "connection refused";
      }
      if (t instanceof UnresolvedAddressException) {
        return "unknown host";
      }
      if (t instanceof SSLException) {
        return "TLS handshake failed (its certificate must chain to the external root and name the host): "
            + oneLine(String.valueOf(t.getMessage()));
      }
    }
    return oneLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
  }

  private static String oneLine(String text) {
    String line = text.replaceAll("\\s+", " ").strip();
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }

  /** An HTTP/1.1 client; with https, one that trusts only {@code root} (null: JDK default, unused). */
  private static HttpClient client(CfsslEndpoint endpoint, X509Certificate root) {
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(CONNECT_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NEVER);
    if (endpoint.usesTls()) {
      builder.sslContext(trusting(root));
    }
    return builder.build();
  }

  private static SSLContext trusting(X509Certificate root) {
    try {
      KeyStore anchors = KeyStore.getInstance("PKCS12");
      anchors.load(null, null);
      anchors.setCertificateEntry("external-root", root);
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(anchors);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot set up TLS to the external CA", e);
    }
  }
}
