package io.baton.agent.exec.docker;

import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.core.NameParser;
import io.baton.api.RegistryPullAuth;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A task's registry login, held in memory for its image's pull and handed to dockerd with that one
 * call (docker's {@code X-Registry-Auth}); never logged ({@link #toString} names only the registry)
 * and never written to the node's disk.
 *
 * <p>Security: dockerd sends the credentials to whatever registry the image names, so they are used
 * only when that is the registry they are for ({@link #forImage}): an image moved to another
 * registry by a later update cannot carry the old registry's login there.
 */
record PullCredentials(String server, String username, String password, String identityToken) {
  /** Docker Hub's names, all one registry. */
  private static final List<String> DOCKER_HUB =
      List.of("index.docker.io/v1", "index.docker.io", "docker.io", "registry-1.docker.io");

  /** The task's login, if its spec has one for the registry {@code image} names. */
  static Optional<PullCredentials> forImage(String image, RegistryPullAuth auth) {
    if (auth.getServer().isBlank() || (auth.getPassword().isEmpty() && auth.getIdentityToken().isEmpty())) {
      return Optional.empty();
    }
    String registry = NameParser.resolveRepositoryName(image).hostname;
    if (!canonical(registry).equals(canonical(auth.getServer()))) {
      return Optional.empty();
    }
    return Optional.of(
        new PullCredentials(auth.getServer(), auth.getUsername(), auth.getPassword(), auth.getIdentityToken()));
  }

  /** docker-java's form of it, for {@code pullImageCmd(...).withAuthConfig}. */
  AuthConfig toAuthConfig() {
    AuthConfig config = new AuthConfig().withRegistryAddress(server);
    if (!username.isEmpty()) {
      config.withUsername(username);
    }
    if (!password.isEmpty()) {
      config.withPassword(password);
    }
    if (!identityToken.isEmpty()) {
      config.withIdentityToken(identityToken);
    }
    return config;
  }

  /** A registry address without scheme, API version or trailing slash, Docker Hub's names as one. */
  static String canonical(String server) {
    String s = server.toLowerCase(Locale.ROOT).strip();
    s = s.replaceFirst("^https?://", "");
    s = s.replaceFirst("/+$", "");
    s = s.replaceFirst("/v[12]$", "");
    return DOCKER_HUB.contains(s) || DOCKER_HUB.contains(s + "/v1") ? "docker.io" : s;
  }

  @Override
  public String toString() {
    return "PullCredentials[server=" + server + ", credentials redacted]";
  }
}
