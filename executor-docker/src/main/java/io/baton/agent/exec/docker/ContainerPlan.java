package io.baton.agent.exec.docker;

import io.baton.agent.exec.ExecutorException;
import io.baton.agent.exec.TaskContext;
import io.baton.agent.exec.TaskIds;
import io.baton.api.ContainerSpec;
import io.baton.api.Resources;
import io.baton.api.Task;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a task's container is created with, checked and derived from the task alone, before dockerd
 * is asked for anything.
 *
 * <p>Security: the environment holds the spec's entries, the agent's extra entries and baton's
 * {@code BATON_*} variables, never a secret; secrets are files, bind-mounted read-only one by one
 * at {@code /run/secrets/<name>}. The task's own labels cannot override baton's {@code
 * io.baton.*} labels, so a spec cannot make a container look like another node's or task's.
 *
 * @param name the container's name, {@code baton-<service>-<slot>-<task id>}
 * @param image the image reference, as the spec has it
 * @param cmd the command that replaces the image's CMD ({@code command} then {@code args}); empty
 *     keeps the image's
 * @param env {@code KEY=VALUE} entries
 * @param labels the container's labels, baton's included
 * @param user the user to run as, empty for the image's
 * @param workingDir the working directory, empty for the image's
 * @param nanoCpus CPU limit in 10⁻⁹ CPUs, 0 for none
 * @param memoryBytes memory limit, 0 for none
 * @param memoryReservationBytes soft memory limit, 0 for none
 * @param cpuShares relative CPU weight from the CPU reservation, 0 for docker's default
 * @param secretFiles host file → name under {@code /run/secrets}, for each secret file
 * @param pullCredentials the registry login for pulling the image, if the spec has one for the
 *     image's registry (redacted in {@link #toString})
 */
record ContainerPlan(
    String name,
    String image,
    List<String> cmd,
    List<String> env,
    Map<String, String> labels,
    String user,
    String workingDir,
    long nanoCpus,
    long memoryBytes,
    long memoryReservationBytes,
    int cpuShares,
    Map<Path, String> secretFiles,
    Optional<PullCredentials> pullCredentials) {
  /** Where secrets appear inside the container, as Docker Swarm puts them. */
  static final String SECRETS_MOUNT = "/run/secrets/";

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern NAME_UNSAFE = Pattern.compile("[^A-Za-z0-9_.-]");
  /** Docker's CPU shares for one whole CPU; a reservation of n CPUs weighs n times that. */
  private static final long SHARES_PER_CPU = 1024;
  /** The smallest weight dockerd accepts. */
  private static final int MIN_SHARES = 2;

  ContainerPlan {
    cmd = List.copyOf(cmd);
    env = List.copyOf(env);
    labels = Map.copyOf(labels);
    secretFiles = Map.copyOf(secretFiles);
  }

  /**
   * Checks the task and derives its container.
   *
   * @throws ExecutorException naming the first problem: an unsafe task id, no image, a malformed
   *     environment entry, an unreadable secrets directory
   */
  static ContainerPlan of(Task task, TaskContext context, String nodeId) throws ExecutorException {
    if (!TaskIds.isSafe(task.getId())) {
      throw new ExecutorException("invalid task id");
    }
    ContainerSpec spec = task.getSpec().getContainer();
    if (spec.getImage().isBlank()) {
      throw new ExecutorException("the docker executor needs an image");
    }
    List<String> cmd = new ArrayList<>(spec.getCommandList());
    cmd.addAll(spec.getArgsList());
    for (String arg : cmd) {
      if (arg.indexOf('\0') >= 0) {
        throw new ExecutorException("the command contains a NUL character");
      }
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (String entry : spec.getEnvList()) {
      int eq = entry.indexOf('=');
      String key = eq < 0 ? entry : entry.substring(0, eq);
      if (eq < 0 || !ENV_NAME.matcher(key).matches() || entry.indexOf('\0') >= 0) {
        throw new ExecutorException("invalid env entry \"" + key + "\": want KEY=VALUE");
      }
      env.put(key, entry.substring(eq + 1));
    }
    env.putAll(context.extraEnv());
    env.put("BATON_TASK_ID", task.getId());
    env.put("BATON_SERVICE_NAME", task.getServiceName());
    env.put("BATON_TASK_SLOT", Long.toUnsignedString(task.getSlot()));
    List<String> envEntries = new ArrayList<>();
    env.forEach((key, value) -> envEntries.add(key + "=" + value));

    Map<String, String> labels = new LinkedHashMap<>(spec.getLabelsMap());
    labels.keySet().removeIf(key -> key.startsWith("io.baton."));
    labels.put(Labels.SERVICE_ID, task.getServiceId());
    labels.put(Labels.SERVICE_NAME, task.getServiceName());
    labels.put(Labels.TASK_ID, task.getId());
    labels.put(Labels.TASK_SLOT, Long.toUnsignedString(task.getSlot()));
    labels.put(Labels.NODE_ID, nodeId);

    Resources limits = task.getSpec().getLimits();
    Resources reservations = task.getSpec().getReservations();
    int shares =
        reservations.getNanoCpus() > 0
            ? (int) Math.max(MIN_SHARES, reservations.getNanoCpus() * SHARES_PER_CPU / 1_000_000_000L)
            : 0;
    return new ContainerPlan(
        name(task),
        spec.getImage(),
        cmd,
        envEntries,
        labels,
        spec.getUser(),
        spec.getDir(),
        Math.max(0, limits.getNanoCpus()),
        Math.max(0, limits.getMemoryBytes()),
        Math.max(0, reservations.getMemoryBytes()),
        shares,
        secretFiles(context.secretsDir()),
        spec.hasRegistryAuth()
            ? PullCredentials.forImage(spec.getImage(), spec.getRegistryAuth())
            : Optional.empty());
  }

  /** {@code baton-<service>-<slot>-<task id>}, the slot being the node id for global services. */
  static String name(Task task) {
    String service = task.getServiceName().isEmpty() ? task.getServiceId() : task.getServiceName();
    String slot = task.getSlot() != 0 ? Long.toUnsignedString(task.getSlot()) : task.getNodeId();
    return NAME_UNSAFE.matcher("baton-" + service + "-" + slot + "-" + task.getId()).replaceAll("_");
  }

  private static Map<Path, String> secretFiles(Optional<Path> dir) throws ExecutorException {
    if (dir.isEmpty()) {
      return Map.of();
    }
    Map<Path, String> files = new LinkedHashMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir.get())) {
      for (Path file : entries) {
        String name = file.getFileName().toString();
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && TaskIds.isSafe(name)) {
          files.put(file.toAbsolutePath(), name);
        }
      }
    } catch (IOException e) {
      throw new ExecutorException("cannot read the task's secrets directory", e);
    }
    return files;
  }
}
