package io.baton.store.encryption;

import io.baton.ca.UnlockKey;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A manager's key-encryption key: 32 bytes that wrap its keys file (data keys and, under autolock,
 * the password of its TLS private key). Either random and stored in {@code keys/kek}, or derived with HKDF-SHA256 from the
 * cluster's unlock key and this manager's salt (so no two managers share a KEK).
 *
 * <p>Key material: never log it.
 */
public final class Kek {
  static final int BYTES = 32;
  private static final byte[] UNLOCK_INFO = "baton kek from unlock key v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KEYRING_INFO = "baton data keyring v1".getBytes(StandardCharsets.US_ASCII);

  private final byte[] bytes;

  private Kek(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("a KEK is 32 bytes, got " + bytes.length);
    }
    this.bytes = bytes;
  }

  static Kek random(SecureRandom random) {
    byte[] b = new byte[BYTES];
    random.nextBytes(b);
    return new Kek(b);
  }

  static Kek of(byte[] bytes) {
    return new Kek(bytes.clone());
  }

  static Kek fromUnlockKey(UnlockKey unlockKey, byte[] salt) {
    return new Kek(hkdf(salt, unlockKey.secret(), UNLOCK_INFO));
  }

  byte[] bytes() {
    return bytes.clone();
  }

  /** The key that wraps the data keyring in {@code keys/store.keys}. */
  byte[] keyringKey() {
    return hkdf(new byte[0], bytes, KEYRING_INFO);
  }

  @Override
  public String toString() {
    return "Kek[redacted]";
  }

  /** HKDF-SHA256 (RFC 5869) with one block of output: 32 bytes. */
  static byte[] hkdf(byte[] salt, byte[] ikm, byte[] info) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt.length == 0 ? new byte[32] : salt, "HmacSHA256"));
      byte[] prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      mac.update(info);
      mac.update((byte) 1);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }
}
