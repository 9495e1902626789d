package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.Test;

class NodeKeyManagerTest {
  private final TestPki pki = TestPki.fixed();

  @Test
  void updateChangesThePresentedCertificateAndKey() {
    Credentials first = pki.credentials(Role.WORKER);
    NodeKeyManager nkm = new NodeKeyManager(first);
    X509ExtendedKeyManager km = nkm.keyManager();
    String alias1 = km.chooseEngineClientAlias(new String[] {"EC"}, null, null);
    assertThat(km.getCertificateChain(alias1))
        .containsExactly(first.leaf(), pki.root.certificate());
    assertThat(km.getPrivateKey(alias1)).isEqualTo(first.key());

    Credentials second = pki.credentials(Role.MANAGER);
    nkm.update(second);
    assertThat(nkm.current()).isEqualTo(second);
    String alias2 = km.chooseEngineServerAlias("EC", null, null);
    assertThat(alias2).isNotEqualTo(alias1);
    X509Certificate[] presented = km.getCertificateChain(alias2);
    assertThat(presented[0].getSerialNumber()).isEqualTo(second.leaf().getSerialNumber());
    assertThat(presented).endsWith(pki.root.certificate());
    assertThat(km.getPrivateKey(alias2)).isEqualTo(second.key());
  }

  @Test
  void chainWithoutTheRootIsRefused() {
    Credentials full = pki.credentials(Role.WORKER);
    Credentials leafOnly = new Credentials(full.key(), List.of(full.leaf()));
    assertThatThrownBy(() -> new NodeKeyManager(leafOnly))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("root");
  }

  @Test
  void credentialsRejectAKeyOfAnotherCertificate() {
    Credentials a = pki.credentials(Role.WORKER);
    Credentials b = pki.credentials(Role.WORKER);
    assertThatThrownBy(() -> new Credentials(a.key(), b.chain()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(a.identity().role()).isEqualTo(Role.WORKER);
    assertThat(a.toString()).doesNotContain(Pem.encodePrivateKey(a.key()).split("\n")[1]);
  }
}
