package io.baton.ca;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.security.SecureRandom;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A node's side of issuance: a fresh key pair for every certificate (the private key never leaves
 * the node) and a CSR for it. The CSR's subject is a placeholder; the CA assigns the identity.
 */
public final class NodeKeys {
  /** Subject of every CSR baton makes; ignored by the CA. */
  public static final String CSR_SUBJECT = "CN=baton-node";

  private NodeKeys() {}

  /** A new ECDSA P-256 key pair from the JDK (SunEC) and a strong SecureRandom. */
  public static KeyPair generate() {
    return Keys.newEcP256(new SecureRandom());
  }

  /** A PEM PKCS#10 request for {@code keys}, signed SHA256withECDSA. */
  public static String csrPem(KeyPair keys) {
    var builder =
        new JcaPKCS10CertificationRequestBuilder(new X500Name(CSR_SUBJECT), keys.getPublic());
    try {
      byte[] der = builder.build(Keys.signer(keys.getPrivate(), new SecureRandom())).getEncoded();
      return PemBlocks.encode("CERTIFICATE REQUEST", der);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
