package io.baton.ca;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The unlock key of a cluster with autolock: {@code BTNKEY-1-<secret>}, where the secret is 32
 * random bytes in lowercase base36, zero-padded to 50 characters. Shown once to the operator and
 * kept by no manager on disk; a manager's key-encryption key is derived from it.
 *
 * <p>{@link #toString()} gives the whole key: print it only when the operator asks for it.
 */
public final class UnlockKey {
  public static final String PREFIX = "BTNKEY-1-";
  static final int SECRET_BYTES = 32;
  static final int SECRET_CHARS = 50;

  private final byte[] secret;

  private UnlockKey(byte[] secret) {
    this.secret = secret;
  }

  public static UnlockKey generate(SecureRandom random) {
    byte[] secret = new byte[SECRET_BYTES];
    random.nextBytes(secret);
    return new UnlockKey(secret);
  }

  /** The key whose 32 bytes these are (as kept in the store). */
  public static UnlockKey of(byte[] secret) {
    if (secret.length != SECRET_BYTES) {
      throw new IllegalArgumentException("an unlock key is 32 bytes, got " + secret.length);
    }
    return new UnlockKey(secret.clone());
  }

  /**
   * Parses what an operator typed. The message of the exception says what is wrong with the form,
   * never repeating the input.
   */
  public static UnlockKey parse(String text) throws InvalidUnlockKeyException {
    String t = text == null ? "" : text.strip();
    if (!t.startsWith(PREFIX)) {
      throw new InvalidUnlockKeyException("an unlock key starts with " + PREFIX);
    }
    String digits = t.substring(PREFIX.length());
    if (!Base36.isBase36(digits, SECRET_CHARS)) {
      throw new InvalidUnlockKeyException(
          "an unlock key is " + PREFIX + " followed by 50 characters of [0-9a-z]");
    }
    BigInteger value = new BigInteger(digits, 36);
    if (value.bitLength() > SECRET_BYTES * 8) {
      throw new InvalidUnlockKeyException("the unlock key is out of range");
    }
    byte[] raw = value.toByteArray();
    byte[] secret = new byte[SECRET_BYTES];
    int copy = Math.min(raw.length, SECRET_BYTES);
    System.arraycopy(raw, raw.length - copy, secret, SECRET_BYTES - copy, copy);
    return new UnlockKey(secret);
  }

  /** The 32 secret bytes (a copy). */
  public byte[] secret() {
    return secret.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UnlockKey other && java.security.MessageDigest.isEqual(secret, other.secret);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(secret);
  }

  @Override
  public String toString() {
    return PREFIX + Base36.padded(new BigInteger(1, secret), SECRET_CHARS);
  }
}
