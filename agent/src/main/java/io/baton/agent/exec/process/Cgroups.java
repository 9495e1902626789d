package io.baton.agent.exec.process;

import io.baton.api.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroup v2 hierarchy as far as the agent may use it: detected once, when the executor starts.
 * Tasks get a cgroup each under {@code <root>/baton} when the hierarchy is writable, with {@code
 * memory.max} and {@code cpu.max} from their limits when those controllers are available.
 *
 * <p>Never fails a task: when cgroups are unavailable, or a task's cgroup cannot be made, the task
 * runs without one, its limits not enforced (said once per executor, or once per task).
 */
final class Cgroups {
  /** Directory under the root that holds one cgroup per task. */
  static final String PARENT = "baton";

  private static final Logger log = LoggerFactory.getLogger(Cgroups.class);
  private static final List<String> LIMIT_CONTROLLERS = List.of("cpu", "memory");

  private final Path parent;
  private final Set<String> controllers;
  private final String problem;

  private Cgroups(Path parent, Set<String> controllers, String problem) {
    this.parent = parent;
    this.controllers = Set.copyOf(controllers);
    this.problem = problem;
  }

  /**
   * Checks whether cgroups can be made under {@code root}: it must be a cgroup v2 hierarchy (with
   * {@code cgroup.controllers}) where {@code baton/} can be created and a child of it made and
   * removed; the {@code cpu} and {@code memory} controllers are enabled for it where available.
   */
  static Cgroups detect(Path root) {
    Path controllersFile = root.resolve("cgroup.controllers");
    if (!Files.isRegularFile(controllersFile)) {
      return unavailable("no cgroup v2 hierarchy at " + root);
    }
    try {
      Set<String> available = Set.of(Files.readString(controllersFile).trim().split("\\s+"));
      List<String> enabled = new ArrayList<>();
      for (String controller : LIMIT_CONTROLLERS) {
        if (available.contains(controller)) {
          enabled.add(controller);
        }
      }
      Path parent = root.resolve(PARENT);
      Files.createDirectories(parent);
      if (!enabled.isEmpty()) {
        String subtree = String.join(" ", enabled.stream().map(c -> "+" + c).toList());
        Files.writeString(root.resolve("cgroup.subtree_control"), subtree);
        Files.writeString(parent.resolve("cgroup.subtree_control"), subtree);
      }
      Path probe = parent.resolve("probe-" + ProcessHandle.current().pid());
      Files.createDirectories(probe);
      Files.delete(probe);
      return new Cgroups(parent, Set.copyOf(enabled), null);
    } catch (IOException | RuntimeException e) {
      return unavailable(root + ": " + e);
    }
  }

  private static Cgroups unavailable(String problem) {
    return new Cgroups(null, Set.of(), problem);
  }

  /** Whether tasks get cgroups of their own. */
  boolean writable() {
    return parent != null;
  }

  /** Whether tasks' CPU and memory limits are enforced. */
  boolean enforcesLimits() {
    return writable() && controllers.containsAll(LIMIT_CONTROLLERS);
  }

  /** The one-line warning to log at executor start when limits are not enforced, if any. */
  Optional<String> warning() {
    if (!writable()) {
      return Optional.of("cgroups v2 not writable here: task CPU and memory limits are not enforced");
    }
    if (!enforcesLimits()) {
      List<String> missing = new ArrayList<>(LIMIT_CONTROLLERS);
      missing.removeAll(controllers);
      return Optional.of(
          "cgroup v2 controllers "
              + String.join(", ", missing)
              + " not available here: task CPU and memory limits are not enforced");
    }
    return Optional.empty();
  }

  /** Why cgroups are not writable, for debugging. */
  Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  /**
   * Makes the task's cgroup and writes its limits; empty when cgroups are not writable or the cgroup
   * cannot be made. A limit that cannot be written is logged and skipped.
   */
  Optional<TaskCgroup> create(String taskId, Resources limits) {
    if (parent == null) {
      return Optional.empty();
    }
    Path dir = parent.resolve(taskId);
    try {
      Files.createDirectories(dir);
    } catch (IOException | RuntimeException e) {
      log.warn("task {}: no cgroup, its limits are not enforced: {}", taskId, e.toString());
      return Optional.empty();
    }
    if (limits.getMemoryBytes() > 0 && controllers.contains("memory")) {
      write(taskId, dir.resolve("memory.max"), Long.toString(limits.getMemoryBytes()));
    }
    if (limits.getNanoCpus() > 0 && controllers.contains("cpu")) {
      write(taskId, dir.resolve("cpu.max"), cpuMax(limits.getNanoCpus()));
    }
    return Optional.of(new TaskCgroup(dir));
  }

  private static void write(String taskId, Path file, String value) {
    try {
      Files.writeString(file, value);
    } catch (IOException | RuntimeException e) {
      log.warn("task {}: cannot set {}, not enforced: {}", taskId, file.getFileName(), e.toString());
    }
  }

  /** The kernel's default CPU period, 100 ms, in microseconds. */
  static final long CPU_PERIOD_US = 100_000;

  /** The smallest CPU quota the kernel accepts, in microseconds. */
  static final long MIN_CPU_QUOTA_US = 1_000;

  /** The {@code cpu.max} value for a limit in billionths of a CPU: quota and period in µs. */
  static String cpuMax(long nanoCpus) {
    long quota = Math.max(MIN_CPU_QUOTA_US, nanoCpus / (1_000_000_000L / CPU_PERIOD_US));
    return quota + " " + CPU_PERIOD_US;
  }
}
