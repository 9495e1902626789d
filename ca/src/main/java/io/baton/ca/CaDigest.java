package io.baton.ca;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;

/**
 * The digest of a root CA certificate as carried in join tokens: SHA-256 of the certificate's DER
 * encoding read as an unsigned integer, in lowercase base36, zero-padded to exactly 50 characters.
 *
 * <p>A joiner compares this value with the root it sees in the TLS handshake; equality proves the
 * remote side holds the cluster's root (SHA-256 second preimages are assumed infeasible).
 */
public final class CaDigest {
  /** Length of every digest. */
  public static final int LENGTH = 50;

  private CaDigest() {}

  /** The digest of {@code root}. */
  public static String of(X509Certificate root) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(root.getEncoded());
      return Base36.padded(new BigInteger(1, hash), LENGTH);
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("certificate cannot be encoded", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** True if {@code text} has the form of a digest (50 lowercase base36 characters). */
  public static boolean isWellFormed(String text) {
    return Base36.isBase36(text, LENGTH);
  }
}
