package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.NodeRole;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RoleAndIdentityTest {
  @Test
  void rolesMapToOuAndProto() {
    assertThat(Role.WORKER.ou()).isEqualTo("baton-worker");
    assertThat(Role.MANAGER.ou()).isEqualTo("baton-manager");
    assertThat(Role.MANAGER_SAN).isEqualTo("baton-manager");
    assertThat(Role.fromOu("baton-manager")).contains(Role.MANAGER);
    assertThat(Role.fromOu("baton-worker")).contains(Role.WORKER);
    assertThat(Role.fromOu("Baton-Manager")).isEmpty();
    assertThat(Role.fromOu(null)).isEmpty();
    for (Role role : Role.values()) {
      assertThat(Role.fromProto(role.toProto())).isEqualTo(role);
    }
    assertThat(Role.WORKER.toProto()).isEqualTo(NodeRole.NODE_ROLE_WORKER);
    assertThatThrownBy(() -> Role.fromProto(NodeRole.NODE_ROLE_UNSPECIFIED))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void identityIsReadFromAnIssuedCertificate() throws Exception {
    TestPki pki = TestPki.fixed();
    NodeIdentity identity = pki.identity(Role.MANAGER);
    IssuedCertificate issued = pki.issue(identity, Duration.ofHours(1));
    assertThat(NodeIdentity.fromCertificate(issued.certificate())).isEqualTo(identity);
    assertThat(issued.certificate().getSubjectX500Principal().getName())
        .isEqualTo("CN=" + identity.nodeId() + ",OU=baton-manager,O=" + pki.clusterId);
  }

  @Test
  void rootCertificateNamesNoNode() {
    TestPki pki = TestPki.fixed();
    assertThatThrownBy(() -> NodeIdentity.fromCertificate(pki.root.certificate()))
        .isInstanceOf(CertificateIdentityException.class)
        .hasMessageContaining("OU");
  }

  @Test
  void identityValuesAreChecked() {
    assertThatThrownBy(() -> new NodeIdentity("Bad Id", Role.WORKER, "c"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new NodeIdentity("abc", Role.WORKER, ""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new NodeIdentity("abc", null, "c"))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void ambiguousOrUnknownSubjectsAreRejected() throws Exception {
    TestPki pki = TestPki.fixed();
    var keys = NodeKeys.generate();
    String id = Identifiers.newId(TestPki.RND);
    String[] subjects = {
      "CN=" + id + ",OU=baton-admin,O=" + pki.clusterId,
      "CN=" + id + ",OU=baton-worker,OU=baton-manager,O=" + pki.clusterId,
      "CN=" + id + ",CN=other,OU=baton-worker,O=" + pki.clusterId,
      "CN=" + id + "+OU=baton-manager,O=" + pki.clusterId,
      "OU=baton-worker,O=" + pki.clusterId,
      "CN=" + id + ",OU=baton-worker",
      "CN=Not A Label,OU=baton-worker,O=" + pki.clusterId,
    };
    for (String subject : subjects) {
      var cert = RogueCertificates.signed(pki.root, subject, keys);
      assertThatThrownBy(() -> NodeIdentity.fromCertificate(cert))
          .as(subject)
          .isInstanceOf(CertificateIdentityException.class);
    }
  }
}
