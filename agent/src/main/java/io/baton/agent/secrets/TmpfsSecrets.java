package io.baton.agent.secrets;

import io.baton.agent.exec.ExecutorException;
import io.baton.agent.exec.TaskIds;
import io.baton.agent.exec.TaskSecrets;
import io.baton.api.AssignedSecret;
import io.baton.api.SecretReference;
import io.baton.api.Task;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Secrets on tmpfs (DESIGN §4): the agent mounts a tmpfs ({@code nosuid,nodev,noexec}, mode 0700)
 * at the root it is given (a node uses {@code /run/baton/secrets/<node id>}), gives each task a 0700 subdirectory named by
 * its id, and writes each referenced secret there as a 0400 file named by the reference's target,
 * owned by the reference's uid/gid when the agent is root. A task's directory is deleted when the
 * task is removed, and everything under the root when the agent starts (a crash's leftovers). At
 * close it unmounts its tmpfs, also one a killed earlier run left mounted, but never a tmpfs the
 * operator mounted there.
 *
 * <p>Security: values come only from {@link SecretValues}, i.e. from this node's own assignment
 * set; nothing is ever written to a filesystem that is not tmpfs. When the root cannot be a tmpfs
 * with those options (not root, no mount), {@link #materialise} refuses every task that references
 * a secret, with that reason; tasks without secrets are unaffected.
 */
public final class TmpfsSecrets implements TaskSecrets, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TmpfsSecrets.class);

  /** Where nodes keep their tasks' secrets unless told otherwise (each in its own subdirectory). */
  public static final Path DEFAULT_ROOT = Path.of("/run/baton/secrets");

  /** Room for many tasks' secrets at the 500 KiB maximum each; tmpfs uses only what is written. */
  private static final String SIZE = "64m";

  static final List<String> REQUIRED_OPTIONS = List.of("nosuid", "nodev", "noexec");

  /** The source name of the tmpfs baton mounts, which tells it from an operator's. */
  static final String SOURCE = "baton-secrets";

  private final Path root;
  private final SecretValues values;
  private final Optional<String> unavailable;
  private final boolean mountedHere;

  private TmpfsSecrets(Path root, SecretValues values, Optional<String> unavailable, boolean mountedHere) {
    this.root = root;
    this.values = values;
    this.unavailable = unavailable;
    this.mountedHere = mountedHere;
  }

  /**
   * Mounts (or reuses) the tmpfs at {@code root} and empties it. Never throws: if it cannot, the
   * returned instance refuses secrets with the reason, which is logged once as a warning.
   */
  public static TmpfsSecrets open(Path root, SecretValues values) {
    Path dir = root.toAbsolutePath().normalize();
    boolean mounted;
    try {
      // ours to unmount at close: one we mount now, or one an earlier run of a node left mounted
      // when it was killed (never an operator's own tmpfs)
      mounted = Mounts.at(dir).map(m -> m.fsType().equals("tmpfs") && m.source().equals(SOURCE)).orElse(true);
    } catch (IOException e) {
      mounted = false;
    }
    Optional<String> problem = prepare(dir);
    problem.ifPresent(p -> log.warn("secrets are unavailable on this node: {}", p));
    return new TmpfsSecrets(dir, values, problem, mounted && problem.isEmpty());
  }

  /** Why this node cannot hold secrets, if it cannot. */
  public Optional<String> unavailable() {
    return unavailable;
  }

  public Path root() {
    return root;
  }

  @Override
  public Optional<Path> materialise(Task task) throws ExecutorException {
    List<SecretReference> refs = task.getSpec().getContainer().getSecretsList();
    if (refs.isEmpty()) {
      return Optional.empty();
    }
    if (unavailable.isPresent()) {
      throw new ExecutorException("this node cannot hold secrets: " + unavailable.get());
    }
    if (!TaskIds.isSafe(task.getId())) {
      throw new ExecutorException("invalid task id");
    }
    Path dir = root.resolve(task.getId());
    try {
      deleteTree(dir);
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      for (SecretReference ref : refs) {
        AssignedSecret secret = values.get(ref.getSecretId()).orElseThrow(() -> new ExecutorException(
            "secret " + ref.getSecretName() + " was not assigned to this node"));
        Path file = dir.resolve(ref.getTarget()).normalize();
        if (!file.getParent().equals(dir)) {
          throw new ExecutorException("invalid secret target " + ref.getTarget());
        }
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, secret.getData().toByteArray());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        if (ref.getUid() != 0 || ref.getGid() != 0) {
          chown(file, ref.getUid(), ref.getGid());
        }
      }
    } catch (IOException e) {
      release(task.getId());
      throw new ExecutorException("cannot write the task's secrets: " + e.getMessage(), e);
    } catch (ExecutorException e) {
      release(task.getId());
      throw e;
    }
    return Optional.of(dir);
  }

  @Override
  public void release(String taskId) {
    if (!TaskIds.isSafe(taskId) || unavailable.isPresent()) {
      return;
    }
    try {
      deleteTree(root.resolve(taskId));
    } catch (IOException e) {
      log.warn("cannot delete the secrets of task {}: {}", taskId, e.toString());
    }
  }

  /**
   * Deletes every task's secrets and, if this instance mounted the tmpfs, unmounts it and removes
   * the empty mount point. Call after the tasks have stopped.
   */
  @Override
  public void close() {
    if (unavailable.isPresent()) {
      return;
    }
    try (DirectoryStream<Path> left = Files.newDirectoryStream(root)) {
      for (Path p : left) {
        deleteTree(p);
      }
    } catch (IOException e) {
      log.warn("cannot empty {}: {}", root, e.toString());
    }
    if (mountedHere) {
      Optional<String> failed = run("umount", root.toString());
      failed.ifPresent(p -> log.warn("cannot unmount {}: {}", root, p));
      if (failed.isEmpty()) {
        try {
          Files.deleteIfExists(root);
        } catch (IOException e) {
          log.debug("cannot remove the mount point {}: {}", root, e.toString());
        }
      }
    }
  }

  private static Optional<String> prepare(Path dir) {
    try {
      Optional<Mounts.Mount> mount = Mounts.at(dir);
      if (mount.isEmpty()) {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Optional<String> failed = run("mount", "-t", "tmpfs", "-o",
            String.join(",", REQUIRED_OPTIONS) + ",mode=0700,size=" + SIZE, SOURCE, dir.toString());
        if (failed.isPresent()) {
          return Optional.of("cannot mount a tmpfs at " + dir + ": " + failed.get());
        }
        mount = Mounts.at(dir);
      }
      if (mount.isEmpty() || !mount.get().fsType().equals("tmpfs")) {
        return Optional.of(dir + " is not a tmpfs mount"
            + mount.map(m -> " (it is " + m.fsType() + ")").orElse(""));
      }
      if (!mount.get().options().containsAll(REQUIRED_OPTIONS)) {
        return Optional.of("the tmpfs at " + dir + " lacks " + String.join(",", REQUIRED_OPTIONS));
      }
      try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir)) {
        for (Path p : leftovers) {
          deleteTree(p);
        }
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of("cannot prepare " + dir + ": " + e.getMessage());
    }
  }

  private static Optional<String> run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.of("mount did not finish");
      }
      return p.exitValue() == 0 ? Optional.empty() : Optional.of(out.isEmpty() ? "exit " + p.exitValue() : out);
    } catch (IOException e) {
      return Optional.of(e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    }
  }

  private static void chown(Path file, int uid, int gid) throws IOException {
    Files.setAttribute(file, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(file, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
