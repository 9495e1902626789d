package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptedKeyPemTest {
  private final KeyPair pair = NodeKeys.generate();
  private final char[] password = "derived-from-a-256-bit-key".toCharArray();

  @Test
  void roundTripsAndHidesTheKey() throws Exception {
    String pem = EncryptedKeyPem.encode(pair.getPrivate(), password, new SecureRandom());
    assertThat(EncryptedKeyPem.isEncrypted(pem)).isTrue();
    assertThat(pem).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    assertThat(EncryptedKeyPem.decode(pem, password).getEncoded()).isEqualTo(pair.getPrivate().getEncoded());
    assertThat(EncryptedKeyPem.isEncrypted(Pem.encodePrivateKey(pair.getPrivate()))).isFalse();
  }

  @Test
  void aWrongPasswordOrAPlainKeyIsRefused() throws Exception {
    String pem = EncryptedKeyPem.encode(pair.getPrivate(), password, new SecureRandom());
    assertThatThrownBy(() -> EncryptedKeyPem.decode(pem, "wrong".toCharArray()))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> EncryptedKeyPem.decode(Pem.encodePrivateKey(pair.getPrivate()), password))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> Pem.decodePrivateKey(pem)).isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void openSslReadsItWithTheSamePassword(@TempDir Path dir) throws Exception {
    Path openssl = Path.of("/usr/bin/openssl");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(openssl), "no /usr/bin/openssl here");
    Path file = dir.resolve("node.key");
    Files.writeString(file, EncryptedKeyPem.encode(pair.getPrivate(), password, new SecureRandom()));
    Process p = new ProcessBuilder(openssl.toString(), "pkey", "-in", file.toString(), "-passin",
        "pass:" + new String(password), "-noout").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }
}
