package io.baton.ca;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * A join token {@code BTNTKN-1-<caDigest>-<secret>}: the digest (50 base36 characters, see {@link
 * CaDigest}) pins the cluster's root CA, and the secret (16 random bytes, 25 base36 characters) is
 * what entitles the bearer to a certificate; which token matched decides the role.
 *
 * <p>The secret is sensitive: {@link #toString()} is the only way to obtain the full text and must
 * only be used to hand the token to the operator or to send it to the CA. Use {@link #logPrefix()}
 * for logs. {@link #equals(Object)} and {@link #sameSecretAs(JoinToken)} compare secrets in
 * constant time.
 */
public record JoinToken(String caDigest, String secret) {
  /** The fixed prefix, including the version. */
  public static final String PREFIX = "BTNTKN-1-";

  /** Length of the secret part. */
  public static final int SECRET_LENGTH = 25;

  private static final int SECRET_BYTES = 16;
  private static final int TEXT_LENGTH = PREFIX.length() + CaDigest.LENGTH + 1 + SECRET_LENGTH;

  /** Rejects malformed parts; the message never contains the secret. */
  public JoinToken {
    if (!CaDigest.isWellFormed(caDigest)) {
      throw new IllegalArgumentException("CA digest must be 50 lowercase base36 characters");
    }
    if (!Base36.isBase36(secret, SECRET_LENGTH)) {
      throw new IllegalArgumentException("token secret must be 25 lowercase base36 characters");
    }
  }

  /** A new token for the root with digest {@code caDigest}, with a secret of 16 random bytes. */
  public static JoinToken generate(String caDigest, SecureRandom rnd) {
    byte[] bytes = new byte[SECRET_BYTES];
    rnd.nextBytes(bytes);
    return new JoinToken(caDigest, Base36.padded(new BigInteger(1, bytes), SECRET_LENGTH));
  }

  /**
   * Parses a token strictly: prefix {@code BTNTKN-}, version {@code 1}, a 50-character digest and a
   * 25-character secret, lowercase base36 only, nothing else (surrounding whitespace included).
   */
  public static JoinToken parse(String text) throws InvalidJoinTokenException {
    if (text == null || text.isEmpty()) {
      throw new InvalidJoinTokenException("join token is empty");
    }
    if (text.length() > 4 * TEXT_LENGTH) {
      throw new InvalidJoinTokenException("join token is too long");
    }
    if (!text.startsWith("BTNTKN-")) {
      throw new InvalidJoinTokenException("join token must start with BTNTKN-");
    }
    String[] parts = text.split("-", -1);
    if (parts.length != 4) {
      throw new InvalidJoinTokenException(
          "join token must have the form BTNTKN-1-<ca-digest>-<secret>");
    }
    if (!parts[1].equals("1")) {
      throw new InvalidJoinTokenException("join token version is not supported (expected 1)");
    }
    if (parts[2].length() != CaDigest.LENGTH) {
      throw new InvalidJoinTokenException(
          "join token CA digest must be 50 characters, got " + parts[2].length());
    }
    if (!CaDigest.isWellFormed(parts[2])) {
      throw new InvalidJoinTokenException(
          "join token CA digest must contain only lowercase base36 characters [0-9a-z]");
    }
    if (!Base36.isBase36(parts[3], SECRET_LENGTH)) {
      throw new InvalidJoinTokenException(
          "join token secret must be 25 lowercase base36 characters [0-9a-z]");
    }
    return new JoinToken(parts[2], parts[3]);
  }

  /** The full token text, secret included. */
  @Override
  public String toString() {
    return PREFIX + caDigest + "-" + secret;
  }

  /** A log-safe abbreviation: prefix and the first 8 digest characters, no secret. */
  public String logPrefix() {
    return PREFIX + caDigest.substring(0, 8) + "-…";
  }

  /**
   * True if both tokens have the same digest and secret; the secret is compared in constant time.
   */
  public boolean sameSecretAs(JoinToken other) {
    if (other == null) {
      return false;
    }
    boolean secretsEqual =
        MessageDigest.isEqual(
            secret.getBytes(StandardCharsets.US_ASCII),
            other.secret.getBytes(StandardCharsets.US_ASCII));
    boolean digestsEqual = caDigest.equals(other.caDigest);
    return secretsEqual & digestsEqual;
  }

  /** SHA-256 of the secret part: what the cluster keeps of a token it shows only once. */
  public byte[] secretSha256() {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JoinToken other && sameSecretAs(other);
  }

  @Override
  public int hashCode() {
    return caDigest.hashCode();
  }
}
