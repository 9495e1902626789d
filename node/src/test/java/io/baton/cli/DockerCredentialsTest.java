package io.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.RegistryPullAuth;
import io.baton.node.NodeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerCredentialsTest {
  @TempDir Path tmp;

  private Path config(String json) throws Exception {
    Path file = tmp.resolve("config.json");
    Files.writeString(file, json);
    return file;
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theRegistryIsTheFirstComponentWithADotOrPortElseDockerHub() {
    assertThat(DockerCredentials.registryOf("busybox")).isEqualTo(DockerCredentials.DOCKER_HUB);
    assertThat(DockerCredentials.registryOf("library/busybox:1")).isEqualTo(DockerCredentials.DOCKER_HUB);
    assertThat(DockerCredentials.registryOf("registry.example.com/team/app:1")).isEqualTo("registry.example.com");
    assertThat(DockerCredentials.registryOf("10.0.0.1:5000/app")).isEqualTo("10.0.0.1:5000");
    assertThat(DockerCredentials.registryOf("localhost/app")).isEqualTo("localhost");
  }

  @Test
  void readsTheAuthEntryOfTheImagesRegistry() throws Exception {
    Path file = config("{\"auths\":{\"registry.example.com\":{\"auth\":\"" + b64("bot:s3cr:et") + "\"},"
        + "\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("hub:pw") + "\"}}}");

    assertThat(DockerCredentials.forImage("registry.example.com/team/app:1", file)).isEqualTo(
        RegistryPullAuth.newBuilder().setServer("registry.example.com").setUsername("bot").setPassword("s3cr:et").build());
    assertThat(DockerCredentials.forImage("busybox", file).getUsername()).isEqualTo("hub");
  }

  @Test
  void readsIdentityTokensAndPlainFieldsAndSchemePrefixedKeys() throws Exception {
    Path file = config("{\"auths\":{\"https://reg.example.com\":{\"identitytoken\":\"tok\"},"
        + "\"other.example.com:5000\":{\"username\":\"u\",\"password\":\"p\"}}}");

    assertThat(DockerCredentials.forImage("reg.example.com/a", file)).isEqualTo(
        RegistryPullAuth.newBuilder().setServer("https://reg.example.com").setIdentityToken("tok").build());
    assertThat(DockerCredentials.forImage("other.example.com:5000/b", file).getPassword()).isEqualTo("p");
  }

  @Test
  void missingLoginsAndHelpersAreOneClearErrorThatNeverShowsASecret() throws Exception {
    Path file = config("{\"auths\":{\"a.example.com\":{\"auth\":\"" + b64("u:topsecret") + "\"}},"
        + "\"credHelpers\":{\"b.example.com\":\"ecr-login\"}}");

    assertThatThrownBy(() -> DockerCredentials.forImage("c.example.com/x", file))
        .isInstanceOf(NodeException.class)
        .hasMessage("--with-registry-auth: no login for c.example.com in " + file + " (run docker login c.example.com)");
    assertThatThrownBy(() -> DockerCredentials.forImage("b.example.com/x", file))
        .isInstanceOf(NodeException.class)
        .hasMessageContaining("docker-credential-ecr-login, which baton does not run");
    assertThatThrownBy(() -> DockerCredentials.forImage("x", tmp.resolve("none.json")))
        .isInstanceOf(NodeException.class)
        .hasMessageContaining("no docker config at");
    Path broken = config("{\"auths\":{\"a.example.com\":{\"auth\":\"" + b64("no-colon-topsecret") + "\"}}}");
    assertThatThrownBy(() -> DockerCredentials.forImage("a.example.com/x", broken))
        .isInstanceOf(NodeException.class)
        .hasMessageContaining("is not user:password")
        .message().doesNotContain("topsecret");
  }

  @Test
  void theConfigFileFollowsDockerConfig() {
    assertThat(DockerCredentials.defaultConfig(Map.of("DOCKER_CONFIG", "/etc/dc")))
        .isEqualTo(Path.of("/etc/dc/config.json"));
    assertThat(DockerCredentials.defaultConfig(Map.of()))
        .isEqualTo(Path.of(System.getProperty("user.home"), ".docker", "config.json"));
  }
}
