package io.baton.ca;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Key helpers shared by the CA classes; JDK providers only (BouncyCastle is never registered). */
final class Keys {
  private static final byte[] PROBE = "baton key match probe".getBytes(StandardCharsets.US_ASCII);

  private Keys() {}

  /** A fresh ECDSA P-256 key pair from the JDK (SunEC). */
  static KeyPair newEcP256(SecureRandom rnd) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), rnd);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
      throw new IllegalStateException("EC P-256 is not available", e);
    }
  }

  /** The JCA signature algorithm baton uses with a key of this type. */
  static String signatureAlgorithm(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default ->
          throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm());
    };
  }

  /** A BouncyCastle signer over the JDK's default provider for {@code key}. */
  static ContentSigner signer(PrivateKey key, SecureRandom rnd) {
    try {
      return new JcaContentSignerBuilder(signatureAlgorithm(key)).setSecureRandom(rnd).build(key);
    } catch (OperatorCreationException e) {
      throw new IllegalStateException("cannot create a signer", e);
    }
  }

  /** True if {@code key} is the private half of {@code publicKey} (checked by a signature). */
  static boolean matches(PrivateKey key, PublicKey publicKey) {
    if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
      return false;
    }
    try {
      String algorithm = signatureAlgorithm(key);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(PROBE);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }
}
