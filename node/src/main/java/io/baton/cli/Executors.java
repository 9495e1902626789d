package io.baton.cli;

import java.util.Set;

/** The executors a node can run tasks with; {@code auto} picks docker when dockerd answers. */
final class Executors {
  /** What {@code --executor} says by default. */
  static final String DEFAULT = "auto";

  /** How {@code --executor} is described in every node command's help. */
  static final String DESCRIPTION =
      "How this node runs tasks: docker, process, or auto for docker when dockerd answers, else"
          + " process (default: auto).";

  private static final Set<String> KNOWN = Set.of("docker", "process", DEFAULT);

  private Executors() {}

  static void check(String executor) {
    if (executor != null && !KNOWN.contains(executor)) {
      throw new UsageError("unknown --executor '" + executor + "': use docker, process or auto");
    }
  }
}
