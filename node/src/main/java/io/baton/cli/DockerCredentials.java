package io.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.api.RegistryPullAuth;
import io.baton.node.NodeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The CLI user's login for an image's registry, read from their docker config ({@code
 * $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}), for {@code service create
 * --with-registry-auth}: the {@code auths} entry of the registry ({@code auth} as base64 {@code
 * user:password}, or {@code username}/{@code password}, or {@code identitytoken}).
 *
 * <p>Credential helpers ({@code credsStore}, {@code credHelpers}) are not run: a registry whose
 * login lives only there is refused, saying so. The values are read into memory and sent to the
 * manager over the CLI's authenticated channel; they are never printed.
 */
final class DockerCredentials {
  /** The key {@code docker login} uses for Docker Hub. */
  static final String DOCKER_HUB = "https://index.docker.io/v1/";

  private static final List<String> DOCKER_HUB_ALIASES =
      List.of(DOCKER_HUB, "index.docker.io", "docker.io", "registry-1.docker.io", "https://index.docker.io/v1");
  private static final ObjectMapper JSON = new ObjectMapper();

  private DockerCredentials() {}

  /** The docker config file of the user running the CLI. */
  static Path defaultConfig(Map<String, String> env) {
    String dir = env.get("DOCKER_CONFIG");
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir, "config.json");
    }
    return Path.of(System.getProperty("user.home"), ".docker", "config.json");
  }

  /**
   * The login for {@code image}'s registry in {@code config}.
   *
   * @throws NodeException naming the file and registry when there is none, or it cannot be read
   */
  static RegistryPullAuth forImage(String image, Path config) throws NodeException {
    String registry = registryOf(image);
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(config, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      throw new NodeException("--with-registry-auth: no docker config at " + config + " (run docker login " + registry + ")");
    } catch (IOException e) {
      throw new NodeException("--with-registry-auth: cannot read " + config + ": " + e.getMessage());
    }
    JsonNode auths = root == null ? null : root.path("auths");
    for (String key : keysFor(registry)) {
      JsonNode entry = auths == null ? null : auths.get(key);
      if (entry != null && entry.isObject()) {
        return login(key, entry, config);
      }
    }
    String helper = helperFor(root, registry);
    if (helper != null) {
      throw new NodeException("--with-registry-auth: the login for " + registry + " is kept by the credential helper docker-credential-"
          + helper + ", which baton does not run; put it in the auths of " + config);
    }
    throw new NodeException("--with-registry-auth: no login for " + registry + " in " + config + " (run docker login " + registry + ")");
  }

  /**
   * The registry of an image reference, as docker reads it: the first path component when it has a
   * dot or a port or is {@code localhost}, else Docker Hub.
   */
  static String registryOf(String image) {
    int slash = image.indexOf('/');
    if (slash > 0) {
      String first = image.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        return first;
      }
    }
    return DOCKER_HUB;
  }

  private static List<String> keysFor(String registry) {
    return registry.equals(DOCKER_HUB)
        ? DOCKER_HUB_ALIASES
        : List.of(registry, "https://" + registry, "http://" + registry, "https://" + registry + "/v1/", "https://" + registry + "/v2/");
  }

  private static RegistryPullAuth login(String server, JsonNode entry, Path config) throws NodeException {
    RegistryPullAuth.Builder b = RegistryPullAuth.newBuilder().setServer(server);
    String token = entry.path("identitytoken").asText("");
    if (!token.isEmpty()) {
      return b.setUsername(entry.path("username").asText("")).setIdentityToken(token).build();
    }
    String encoded = entry.path("auth").asText("");
    if (!encoded.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(encoded.strip()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new NodeException("--with-registry-auth: the auth of " + server + " in " + config + " is not base64");
      }
      int colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw new NodeException("--with-registry-auth: the auth of " + server + " in " + config + " is not user:password");
      }
      return b.setUsername(decoded.substring(0, colon)).setPassword(decoded.substring(colon + 1)).build();
    }
    String user = entry.path("username").asText("");
    String password = entry.path("password").asText("");
    if (!user.isEmpty() && !password.isEmpty()) {
      return b.setUsername(user).setPassword(password).build();
    }
    throw new NodeException("--with-registry-auth: the entry of " + server + " in " + config + " holds no credentials");
  }

  private static String helperFor(JsonNode root, String registry) {
    if (root == null) {
      return null;
    }
    for (String key : keysFor(registry)) {
      JsonNode helper = root.path("credHelpers").get(key);
      if (helper != null && helper.isTextual()) {
        return helper.asText();
      }
    }
    String store = root.path("credsStore").asText("");
    return store.isEmpty() ? null : store;
  }
}
