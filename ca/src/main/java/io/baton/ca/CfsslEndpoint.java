package io.baton.ca;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Where an operator's CFSSL server ({@code cfssl serve}) listens, and the auth key its signing
 * profile requires, if any.
 *
 * <p>Given on the command line as {@code cfssl=URL}: the URL is the server's base ({@code
 * http[s]://host:port}); a full SwarmKit-style {@code .../api/v1/cfssl/sign} URL is accepted and cut
 * back to its base. With an auth key requests go to {@code /api/v1/cfssl/authsign}, each carrying an
 * HMAC-SHA256 of the request under that key (CFSSL's "standard" auth), so only holders of the key
 * can have certificates signed; without one they go to {@code /api/v1/cfssl/sign}, which anyone
 * reaching the endpoint can use, so the operator must then protect the endpoint itself. {@link
 * #toString()} never shows the key.
 */
public final class CfsslEndpoint {
  private static final String PROTOCOL = "cfssl=";
  private static final String SIGN_PATH = "/api/v1/cfssl/sign";
  /** Shortest accepted auth key: 128 bits. */
  private static final int MIN_AUTH_KEY_BYTES = 16;

  private final URI baseUrl;
  private final byte[] authKey;

  private CfsslEndpoint(URI baseUrl, byte[] authKey) {
    this.baseUrl = baseUrl;
    this.authKey = authKey == null ? null : authKey.clone();
  }

  /**
   * Parses {@code cfssl=URL}.
   *
   * @param authKey the HMAC key, or null when the CFSSL profile needs none
   * @throws IllegalArgumentException with a one-line message for the operator
   */
  public static CfsslEndpoint parse(String spec, byte[] authKey) {
    if (spec == null || !spec.toLowerCase(Locale.ROOT).startsWith(PROTOCOL)) {
      throw new IllegalArgumentException("external CA must be given as cfssl=URL (CFSSL is the only protocol)");
    }
    return of(spec.substring(PROTOCOL.length()), authKey);
  }

  /** The endpoint at {@code url} (a base URL or a full sign URL), as stored in the cluster object. */
  public static CfsslEndpoint of(String url, byte[] authKey) {
    URI uri;
    try {
      uri = new URI(url.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("external CA URL is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("external CA URL must start with http:// or https://");
    }
    if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "external CA URL must be http[s]://HOST[:PORT] without user, query or fragment");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (path.endsWith(SIGN_PATH)) {
      path = path.substring(0, path.length() - SIGN_PATH.length());
    }
    if (!path.isEmpty() && !path.equals("/")) {
      throw new IllegalArgumentException("external CA URL must be the CFSSL server's base URL, e.g. https://ca:8888");
    }
    if (authKey != null && authKey.length < MIN_AUTH_KEY_BYTES) {
      throw new IllegalArgumentException("external CA auth key must have at least " + MIN_AUTH_KEY_BYTES + " bytes");
    }
    try {
      return new CfsslEndpoint(new URI(scheme, null, uri.getHost(), uri.getPort(), null, null, null), authKey);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("external CA URL is not a valid URL: " + e.getReason());
    }
  }

  /**
   * Decodes an auth key as CFSSL's config writes it: hex text (surrounding whitespace ignored).
   *
   * @throws IllegalArgumentException if it is not hex (the message never echoes the text)
   */
  public static byte[] decodeAuthKey(String hex) {
    try {
      return HexFormat.of().parseHex(hex.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("external CA auth key must be hex, as in the CFSSL config's auth_keys");
    }
  }

  /** The base URL, e.g. {@code https://ca:8888}. */
  public URI baseUrl() {
    return baseUrl;
  }

  public boolean usesTls() {
    return baseUrl.getScheme().equals("https");
  }

  public boolean hasAuthKey() {
    return authKey != null;
  }

  /** A copy of the auth key (for the encrypted store), or null. */
  public byte[] authKey() {
    return authKey == null ? null : authKey.clone();
  }

  URI infoUrl() {
    return baseUrl.resolve("/api/v1/cfssl/info");
  }

  URI signUrl() {
    return baseUrl.resolve(authKey == null ? SIGN_PATH : "/api/v1/cfssl/authsign");
  }

  /** {@code cfssl=URL}, never the key. */
  @Override
  public String toString() {
    return PROTOCOL + baseUrl;
  }
}
