package io.baton.cli;

import java.util.Set;

/** The executors a node can run tasks with. */
final class Executors {
  private static final Set<String> KNOWN = Set.of("docker", "process");

  private Executors() {}

  static void check(String executor) {
    if (!KNOWN.contains(executor)) {
      throw new UsageError("unknown --executor '" + executor + "': use docker or process");
    }
  }
}
