package io.baton.agent.exec.process;

import java.util.List;

/** Finds the test JVM's descendant processes by their arguments. */
final class Processes {
  private Processes() {}

  /** Running descendants of this JVM whose command is {@code sleep <marker>}. */
  static List<ProcessHandle> sleeping(String marker) {
    return ProcessHandle.current()
        .descendants()
        .filter(ProcessTree::isRunning)
        .filter(
            p ->
                p.info().command().map(c -> c.endsWith("/sleep")).orElse(false)
                    && p.info().arguments().map(a -> List.of(a).equals(List.of(marker))).orElse(false))
        .toList();
  }
}
