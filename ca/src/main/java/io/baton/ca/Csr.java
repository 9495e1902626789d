package io.baton.ca;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

/**
 * Parsing and admission of PKCS#10 requests from untrusted peers, in this order: size (16 KiB of
 * PEM text, before any parsing), one PEM {@code CERTIFICATE REQUEST} block, PKCS#10 structure, key
 * policy (EC P-256/P-384, or RSA of 2048–8192 bits), signature algorithm (SHA-2 ECDSA or RSA
 * PKCS#1), and a valid self-signature checked with the JDK's providers. Only the public key of an
 * admitted CSR is used; its subject, attributes and extensions carry no authority.
 */
final class Csr {
  static final int MAX_PEM_CHARS = 16 * 1024;

  private static final int MIN_RSA_BITS = 2048;
  private static final int MAX_RSA_BITS = 8192;
  private static final Set<ASN1ObjectIdentifier> EC_CURVES =
      Set.of(SECObjectIdentifiers.secp256r1, SECObjectIdentifiers.secp384r1);
  private static final Set<ASN1ObjectIdentifier> SIGNATURES =
      Set.of(
          X9ObjectIdentifiers.ecdsa_with_SHA256,
          X9ObjectIdentifiers.ecdsa_with_SHA384,
          X9ObjectIdentifiers.ecdsa_with_SHA512,
          PKCSObjectIdentifiers.sha256WithRSAEncryption,
          PKCSObjectIdentifiers.sha384WithRSAEncryption,
          PKCSObjectIdentifiers.sha512WithRSAEncryption);
  private static final Set<String> LABELS =
      Set.of("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST");
  private static final String NOT_A_CSR = "CSR is not a PEM PKCS#10 request";

  private Csr() {}

  /** Parses {@code pem} into a PKCS#10 request without checking its key or signature. */
  static PKCS10CertificationRequest parse(String pem) throws CsrRejectedException {
    if (pem == null || pem.isBlank()) {
      throw new CsrRejectedException("CSR is empty");
    }
    if (pem.length() > MAX_PEM_CHARS) {
      throw new CsrRejectedException("CSR is larger than 16 KiB");
    }
    List<PemBlocks.Block> blocks;
    try {
      blocks = PemBlocks.parse(pem, MAX_PEM_CHARS);
    } catch (PemBlocks.MalformedPemException e) {
      throw new CsrRejectedException(NOT_A_CSR);
    }
    if (blocks.size() != 1 || !LABELS.contains(blocks.get(0).label())) {
      throw new CsrRejectedException(NOT_A_CSR);
    }
    try {
      return new PKCS10CertificationRequest(blocks.get(0).der());
    } catch (IOException | RuntimeException e) {
      throw new CsrRejectedException(NOT_A_CSR);
    }
  }

  /** The request's public key, after checking the key policy and the self-signature. */
  static PublicKey admittedKey(PKCS10CertificationRequest csr) throws CsrRejectedException {
    PublicKey key = allowedKey(csr.getSubjectPublicKeyInfo());
    if (!SIGNATURES.contains(csr.getSignatureAlgorithm().getAlgorithm())) {
      throw new CsrRejectedException(
          "CSR signature algorithm is not allowed (use SHA-256 or better)");
    }
    try {
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new CsrRejectedException("CSR signature is invalid");
      }
    } catch (OperatorCreationException | PKCSException | RuntimeException e) {
      throw new CsrRejectedException("CSR signature is invalid");
    }
    return key;
  }

  private static PublicKey allowedKey(SubjectPublicKeyInfo info) throws CsrRejectedException {
    ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
    try {
      if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
        if (!(info.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier curve)
            || !EC_CURVES.contains(curve)) {
          throw new CsrRejectedException("CSR EC key must use the P-256 or P-384 curve");
        }
        return decode("EC", info);
      }
      if (algorithm.equals(PKCSObjectIdentifiers.rsaEncryption)) {
        RSAPublicKey key = (RSAPublicKey) decode("RSA", info);
        BigInteger modulus = key.getModulus();
        if (modulus.bitLength() < MIN_RSA_BITS || modulus.bitLength() > MAX_RSA_BITS) {
          throw new CsrRejectedException("CSR RSA key must have 2048 to 8192 bits");
        }
        return key;
      }
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      throw new CsrRejectedException("CSR public key cannot be decoded");
    }
    throw new CsrRejectedException(
        "CSR key must be ECDSA P-256/P-384 or RSA of at least 2048 bits");
  }

  private static PublicKey decode(String algorithm, SubjectPublicKeyInfo info)
      throws GeneralSecurityException, IOException {
    return KeyFactory.getInstance(algorithm)
        .generatePublic(new X509EncodedKeySpec(info.getEncoded()));
  }
}
