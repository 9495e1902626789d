package io.baton.agent.exec.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import io.baton.agent.exec.ExecutorException;

/**
 * Shows a task its secrets read-only at {@code /run/secrets/<target>} (DESIGN §4), where the agent
 * runs as root: the task's argv is wrapped so it starts in a mount namespace of its own (util-linux
 * {@code unshare --mount --propagation private}), where its tmpfs secrets directory is bind-mounted
 * {@code ro,nosuid,nodev,noexec} over {@code /run/secrets} before the task is {@code exec}ed. Each
 * step {@code exec}s the next, so the task keeps the PID the executor started. The host's {@code
 * /run/secrets} stays an empty directory.
 *
 * <p>Where the agent is not root, tasks find their secrets at {@code BATON_SECRETS_DIR} instead,
 * and one warning says so.
 */
final class SecretsNamespace {
  /** Where a task sees its secrets, as in a docker container. */
  static final Path MOUNT_POINT = Path.of("/run/secrets");

  private static final String SCRIPT =
      "mount --bind -o ro,nosuid,nodev,noexec \"$1\" " + MOUNT_POINT + " && shift && exec \"$@\"";

  private final Optional<String> problem;
  private final String unshare;

  private SecretsNamespace(Optional<String> problem, String unshare) {
    this.problem = problem;
    this.unshare = unshare;
  }

  /** Checks whether per-task mount namespaces can be used here. */
  static SecretsNamespace detect() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      if (!Integer.valueOf(0).equals(uid)) {
        return new SecretsNamespace(Optional.of("the agent is not root"), null);
      }
      Path unshare = CommandPath.resolve("unshare", Launch.DEFAULT_PATH, Path.of("/"));
      Files.createDirectories(MOUNT_POINT);
      return new SecretsNamespace(Optional.empty(), unshare.toString());
    } catch (ExecutorException e) {
      return new SecretsNamespace(Optional.of("util-linux unshare is not installed"), null);
    } catch (IOException | RuntimeException e) {
      return new SecretsNamespace(Optional.of("cannot prepare " + MOUNT_POINT + ": " + e.getMessage()), null);
    }
  }

  /** Why tasks get their secrets through {@code BATON_SECRETS_DIR} only, if they do. */
  Optional<String> problem() {
    return problem;
  }

  /** {@code argv} wrapped to run in its own mount namespace with {@code secretsDir} at /run/secrets. */
  List<String> wrap(List<String> argv, Path secretsDir) {
    List<String> wrapped = new ArrayList<>(List.of(
        unshare, "--mount", "--propagation", "private", "--",
        "/bin/sh", "-c", SCRIPT, "baton-secrets", secretsDir.toString()));
    wrapped.addAll(argv);
    return wrapped;
  }
}
