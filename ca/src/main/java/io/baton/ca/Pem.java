package io.baton.ca;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * PEM encoding of certificates and private keys, parsed strictly (see {@link PemBlocks}).
 *
 * <p>Certificate input is limited to 64 KiB and must contain only {@code CERTIFICATE} blocks, each
 * exactly one DER certificate. Private keys are written as unencrypted PKCS#8 {@code PRIVATE KEY};
 * reading also accepts SEC1 {@code EC PRIVATE KEY}. Key material is never put into exception
 * messages; callers own the protection of the key text (file mode, KEK).
 */
public final class Pem {
  /** Largest accepted PEM input, in characters. */
  public static final int MAX_PEM_CHARS = 64 * 1024;

  private static final String CERTIFICATE = "CERTIFICATE";
  private static final String PRIVATE_KEY = "PRIVATE KEY";
  private static final String EC_PRIVATE_KEY = "EC PRIVATE KEY";

  private Pem() {}

  /** Concatenated {@code CERTIFICATE} blocks, in list order. */
  public static String encodeCertificates(List<X509Certificate> certificates) {
    StringBuilder out = new StringBuilder();
    for (X509Certificate cert : certificates) {
      try {
        out.append(PemBlocks.encode(CERTIFICATE, cert.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalArgumentException("certificate cannot be encoded", e);
      }
    }
    return out.toString();
  }

  /** All certificates of {@code pem}, in order; at least one. */
  public static List<X509Certificate> decodeCertificates(String pem) throws CertificateException {
    List<PemBlocks.Block> blocks;
    try {
      blocks = PemBlocks.parse(pem, MAX_PEM_CHARS);
    } catch (PemBlocks.MalformedPemException e) {
      throw new CertificateException(e.getMessage());
    }
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> certs = new ArrayList<>(blocks.size());
    for (PemBlocks.Block block : blocks) {
      if (!block.label().equals(CERTIFICATE)) {
        throw new CertificateException("PEM block is not a CERTIFICATE");
      }
      Certificate cert;
      try {
        cert = factory.generateCertificate(new ByteArrayInputStream(block.der()));
      } catch (CertificateException | RuntimeException e) {
        throw new CertificateException("PEM block is not a valid X.509 certificate");
      }
      if (!(cert instanceof X509Certificate x509)
          || !Arrays.equals(x509.getEncoded(), block.der())) {
        throw new CertificateException("PEM block is not exactly one X.509 certificate");
      }
      certs.add(x509);
    }
    return List.copyOf(certs);
  }

  /** The key as an unencrypted PKCS#8 {@code PRIVATE KEY} block. */
  public static String encodePrivateKey(PrivateKey key) {
    byte[] der = key.getEncoded();
    if (der == null || !"PKCS#8".equals(key.getFormat())) {
      throw new IllegalArgumentException("private key has no PKCS#8 encoding");
    }
    try {
      return PemBlocks.encode(PRIVATE_KEY, der);
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }

  /** The single EC or RSA private key in {@code pem} (PKCS#8, or SEC1 for EC). */
  public static PrivateKey decodePrivateKey(String pem) throws GeneralSecurityException {
    List<PemBlocks.Block> blocks;
    try {
      blocks = PemBlocks.parse(pem, MAX_PEM_CHARS);
    } catch (PemBlocks.MalformedPemException e) {
      throw new InvalidKeySpecException(e.getMessage());
    }
    if (blocks.size() != 1) {
      throw new InvalidKeySpecException("PEM input must hold exactly one private key");
    }
    PemBlocks.Block block = blocks.get(0);
    byte[] pkcs8 = null;
    try {
      pkcs8 =
          switch (block.label()) {
            case PRIVATE_KEY -> block.der().clone();
            case EC_PRIVATE_KEY -> sec1ToPkcs8(block.der());
            default -> throw new InvalidKeySpecException("PEM block is not a PRIVATE KEY");
          };
      String algorithm = algorithmOf(pkcs8);
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } finally {
      Arrays.fill(block.der(), (byte) 0);
      if (pkcs8 != null) {
        Arrays.fill(pkcs8, (byte) 0);
      }
    }
  }

  private static String algorithmOf(byte[] pkcs8) throws InvalidKeySpecException {
    ASN1ObjectIdentifier oid;
    try {
      oid = PrivateKeyInfo.getInstance(pkcs8).getPrivateKeyAlgorithm().getAlgorithm();
    } catch (RuntimeException e) {
      throw new InvalidKeySpecException("private key is not valid PKCS#8");
    }
    if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      return "EC";
    }
    if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
      return "RSA";
    }
    throw new InvalidKeySpecException("private key algorithm is not EC or RSA");
  }

  private static byte[] sec1ToPkcs8(byte[] sec1) throws InvalidKeySpecException {
    try {
      ECPrivateKey ecKey = ECPrivateKey.getInstance(sec1);
      ASN1Encodable curve = ecKey.getParametersObject();
      if (curve == null) {
        throw new InvalidKeySpecException("EC private key does not name its curve");
      }
      AlgorithmIdentifier algorithm =
          new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, curve);
      return new PrivateKeyInfo(algorithm, ecKey).getEncoded();
    } catch (IOException | RuntimeException e) {
      throw new InvalidKeySpecException("EC private key is not valid SEC1");
    }
  }
}
