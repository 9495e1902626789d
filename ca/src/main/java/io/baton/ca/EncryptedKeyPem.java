package io.baton.ca;

import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.InvalidKeySpecException;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;

/**
 * Private keys as encrypted PKCS#8 ({@code ENCRYPTED PRIVATE KEY}, PBES2 with PBKDF2-HMAC-SHA256
 * and AES-256-CBC), the form a manager's {@code node.key} takes under autolock. OpenSSL reads it
 * with the same password.
 *
 * <p>The password is expected to be derived from a 256-bit key, not chosen by a person: the
 * iteration count only adds a margin, it is not what makes guessing infeasible.
 */
public final class EncryptedKeyPem {
  static final String LABEL = "ENCRYPTED PRIVATE KEY";
  private static final String PBES2 = "PBEWithHmacSHA256AndAES_256";
  private static final int ITERATIONS = 10_000;
  private static final int MAX_PEM_CHARS = 64 * 1024;

  private EncryptedKeyPem() {}

  /** True if {@code pem} holds an {@code ENCRYPTED PRIVATE KEY} block. */
  public static boolean isEncrypted(String pem) {
    return pem.contains("-----BEGIN " + LABEL + "-----");
  }

  public static String encode(PrivateKey key, char[] password, SecureRandom random)
      throws GeneralSecurityException {
    byte[] salt = new byte[16];
    byte[] iv = new byte[16];
    random.nextBytes(salt);
    random.nextBytes(iv);
    Cipher cipher = Cipher.getInstance(PBES2);
    cipher.init(
        Cipher.ENCRYPT_MODE,
        secret(password),
        new PBEParameterSpec(salt, ITERATIONS, new IvParameterSpec(iv)));
    byte[] der = key.getEncoded();
    try {
      // Named PBES2 for the encoding: the JDK encodes no parameters under the cipher's own name.
      AlgorithmParameters pbes2 = AlgorithmParameters.getInstance("PBES2");
      pbes2.init(cipher.getParameters().getEncoded());
      EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(pbes2, cipher.doFinal(der));
      return PemBlocks.encode(LABEL, info.getEncoded());
    } catch (java.io.IOException e) {
      throw new InvalidKeySpecException("cannot encode the encrypted key: " + e.getMessage());
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }

  /**
   * The key in {@code pem}.
   *
   * @throws GeneralSecurityException if the block is malformed or the password is wrong
   */
  public static PrivateKey decode(String pem, char[] password) throws GeneralSecurityException {
    List<PemBlocks.Block> blocks;
    try {
      blocks = PemBlocks.parse(pem, MAX_PEM_CHARS);
    } catch (PemBlocks.MalformedPemException e) {
      throw new InvalidKeySpecException(e.getMessage());
    }
    if (blocks.size() != 1 || !LABEL.equals(blocks.get(0).label())) {
      throw new InvalidKeySpecException("PEM input must hold exactly one " + LABEL);
    }
    EncryptedPrivateKeyInfo info;
    try {
      info = new EncryptedPrivateKeyInfo(blocks.get(0).der());
    } catch (java.io.IOException e) {
      throw new InvalidKeySpecException("not an encrypted PKCS#8 key: " + e.getMessage());
    }
    Cipher cipher = Cipher.getInstance(PBES2);
    cipher.init(Cipher.DECRYPT_MODE, secret(password), info.getAlgParameters());
    byte[] pkcs8 = info.getKeySpec(cipher).getEncoded();
    try {
      return Pem.decodePrivateKey(PemBlocks.encode("PRIVATE KEY", pkcs8));
    } finally {
      Arrays.fill(pkcs8, (byte) 0);
    }
  }

  private static SecretKey secret(char[] password) throws GeneralSecurityException {
    return SecretKeyFactory.getInstance(PBES2).generateSecret(new PBEKeySpec(password));
  }
}
