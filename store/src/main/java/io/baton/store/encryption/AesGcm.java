package io.baton.store.encryption;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM with a random 96-bit nonce per record and a 128-bit tag. A nonce collision needs
 * about 2^48 records under one key; keys rotate long before that.
 */
final class AesGcm {
  static final int KEY_BYTES = 32;
  static final int NONCE_BYTES = 12;
  static final int TAG_BITS = 128;

  private AesGcm() {}

  /** {@code nonce || ciphertext || tag} of {@code plain}, authenticating {@code aad} too. */
  static byte[] seal(byte[] key, byte[] aad, byte[] plain, SecureRandom random) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, key, nonce, aad);
      byte[] out = new byte[NONCE_BYTES + cipher.getOutputSize(plain.length)];
      System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
      cipher.doFinal(plain, 0, plain.length, out, NONCE_BYTES);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JVM", e);
    }
  }

  /**
   * The plain bytes of what {@link #seal} produced from {@code sealed[offset..]}.
   *
   * @throws AEADBadTagException if the record was altered, or sealed under another key or AAD
   */
  static byte[] open(byte[] key, byte[] aad, byte[] sealed, int offset) throws AEADBadTagException {
    if (sealed.length - offset < NONCE_BYTES + TAG_BITS / 8) {
      throw new AEADBadTagException("record too short");
    }
    byte[] nonce = Arrays.copyOfRange(sealed, offset, offset + NONCE_BYTES);
    try {
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, nonce, aad);
      int at = offset + NONCE_BYTES;
      return cipher.doFinal(sealed, at, sealed.length - at);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JVM", e);
    }
  }

  private static Cipher cipher(int mode, byte[] key, byte[] nonce, byte[] aad)
      throws GeneralSecurityException {
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException("AES-256 needs a 32-byte key, got " + key.length);
    }
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
    cipher.updateAAD(aad);
    return cipher;
  }
}
