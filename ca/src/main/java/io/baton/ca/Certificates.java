package io.baton.ca;

import java.math.BigInteger;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/** Certificate-building helpers shared by {@link RootCa} and {@link CertificateIssuer}. */
final class Certificates {
  private static final int SERIAL_BYTES = 20;

  private Certificates() {}

  /** A random positive serial of 20 bytes with the top bit cleared (RFC 5280 §4.1.2.2). */
  static BigInteger randomSerial(SecureRandom rnd) {
    byte[] bytes = new byte[SERIAL_BYTES];
    rnd.nextBytes(bytes);
    bytes[0] &= 0x7f;
    BigInteger serial = new BigInteger(1, bytes);
    return serial.signum() == 0 ? BigInteger.ONE : serial;
  }

  /** Lowercase hex of a serial, as shown to operators. */
  static String serialHex(BigInteger serial) {
    return serial.toString(16);
  }

  /** Subject {@code O=..., [OU=...,] CN=...} in DER order (printed by the JDK as CN, OU, O). */
  static X500Name subject(String commonName, String organizationalUnit, String organization) {
    X500NameBuilder builder = new X500NameBuilder(BCStyle.INSTANCE);
    builder.addRDN(BCStyle.O, organization);
    if (organizationalUnit != null) {
      builder.addRDN(BCStyle.OU, organizationalUnit);
    }
    builder.addRDN(BCStyle.CN, commonName);
    return builder.build();
  }

  /** Extension helpers over the JDK's SHA-1 (key identifiers only). */
  static JcaX509ExtensionUtils extensionUtils() {
    try {
      return new JcaX509ExtensionUtils();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is not available for key identifiers", e);
    }
  }

  /** The JDK certificate for a BouncyCastle holder. */
  static X509Certificate toX509(X509CertificateHolder holder) {
    try {
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (CertificateException e) {
      throw new IllegalStateException("issued certificate cannot be decoded", e);
    }
  }
}
