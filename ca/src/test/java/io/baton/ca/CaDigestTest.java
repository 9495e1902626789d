package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class CaDigestTest {
  @Test
  void digestIs50Base36CharactersOfTheSha256() throws Exception {
    RootCa root = TestPki.fixed().root;
    String digest = CaDigest.of(root.certificate());
    assertThat(digest).matches("[0-9a-z]{50}");
    assertThat(root.digest()).isEqualTo(digest);
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(root.certificate().getEncoded());
    assertThat(new BigInteger(digest, 36)).isEqualTo(new BigInteger(1, sha));
    assertThat(CaDigest.isWellFormed(digest)).isTrue();
  }

  @Test
  void digestChangesWithTheCertificate() {
    String a = CaDigest.of(TestPki.fixed().root.certificate());
    String b = CaDigest.of(TestPki.fixed().root.certificate());
    assertThat(a).isNotEqualTo(b);
  }
}
