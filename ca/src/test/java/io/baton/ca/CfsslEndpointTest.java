package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --external-ca cfssl=URL} and the auth key file, as an operator types them. */
class CfsslEndpointTest {
  @Test
  void theEndpointIsParsedStrictlyAndNeverShowsItsKey() {
    byte[] key = CfsslEndpoint.decodeAuthKey("00112233445566778899aabbccddeeff\n");
    CfsslEndpoint endpoint = CfsslEndpoint.parse("cfssl=https://ca.example:8888/api/v1/cfssl/sign", key);
    assertThat(endpoint.baseUrl()).hasToString("https://ca.example:8888");
    assertThat(endpoint.signUrl()).hasToString("https://ca.example:8888/api/v1/cfssl/authsign");
    assertThat(endpoint.toString()).isEqualTo("cfssl=https://ca.example:8888")
        .doesNotContain("0011");
    for (String bad : List.of("acme=http://x", "cfssl=ftp://x", "cfssl=http://u:p@x", "cfssl=http://x/other",
        "cfssl=http://x?q=1", "cfssl=notaurl")) {
      assertThatThrownBy(() -> CfsslEndpoint.parse(bad, null)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> CfsslEndpoint.parse("cfssl=http://x", new byte[8]))
        .hasMessageContaining("at least 16 bytes");
    assertThatThrownBy(() -> CfsslEndpoint.decodeAuthKey("not hex secret"))
        .hasMessage("external CA auth key must be hex, as in the CFSSL config's auth_keys");
  }
}
