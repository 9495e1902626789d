package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The strict PEM readers on arbitrary text (certificates from peers and files, keys from the state
 * dir): {@link PemBlocks#parse} gives blocks that encode back to blocks equal to them, or {@link
 * PemBlocks.MalformedPemException}; {@link Pem#decodeCertificates} gives at least one certificate
 * that round-trips, or {@link CertificateException}; {@link Pem#decodePrivateKey} gives an EC or RSA
 * key, or a {@link GeneralSecurityException}. No other exception.
 */
class PemFuzzTest {

  @FuzzTest
  void decode(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    blocks(text);
    certificates(text);
    privateKey(text);
  }

  private static void blocks(String text) {
    List<PemBlocks.Block> blocks;
    try {
      blocks = PemBlocks.parse(text, Pem.MAX_PEM_CHARS);
    } catch (PemBlocks.MalformedPemException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(blocks).isNotEmpty();
    for (PemBlocks.Block block : blocks) {
      List<PemBlocks.Block> again;
      try {
        again = PemBlocks.parse(PemBlocks.encode(block.label(), block.der()), Pem.MAX_PEM_CHARS);
      } catch (PemBlocks.MalformedPemException e) {
        throw new AssertionError("an encoded block does not parse back", e);
      }
      assertThat(again).hasSize(1);
      assertThat(again.get(0).label()).isEqualTo(block.label());
      assertThat(again.get(0).der()).isEqualTo(block.der());
    }
  }

  private static void certificates(String text) {
    List<X509Certificate> certs;
    try {
      certs = Pem.decodeCertificates(text);
    } catch (CertificateException e) {
      return;
    }
    assertThat(certs).isNotEmpty();
    try {
      assertThat(Pem.decodeCertificates(Pem.encodeCertificates(certs))).isEqualTo(certs);
    } catch (CertificateException e) {
      throw new AssertionError("decoded certificates do not decode again", e);
    }
  }

  private static void privateKey(String text) {
    PrivateKey key;
    try {
      key = Pem.decodePrivateKey(text);
    } catch (GeneralSecurityException e) {
      return;
    }
    assertThat(key.getAlgorithm()).isIn("EC", "RSA");
  }
}
