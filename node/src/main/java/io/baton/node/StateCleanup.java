package io.baton.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes state a node no longer needs: what a failed {@code init} wrote, so the operator can
 * simply run it again, a demoted manager's Raft storage and keys, and all of a removed node.
 */
final class StateCleanup {
  private static final Logger log = LoggerFactory.getLogger(StateCleanup.class);

  private StateCleanup() {}

  /** Deletes the certificates, Raft and key directories of a state dir that holds no node.json. */
  static void removeFailedInit(StateDir dir) {
    if (dir.holdsNode()) {
      return;
    }
    for (Path sub : List.of(dir.root().resolve("certificates"), dir.raftDir(), dir.keysDir())) {
      try {
        deleteTree(sub);
      } catch (IOException e) {
        log.warn("could not remove {}: {}", sub, e.getMessage());
      }
    }
  }

  /** Deletes the Raft storage and the store keys of a node that is no longer a manager. */
  static void removeRaftStorage(StateDir dir) throws IOException {
    deleteTree(dir.raftDir());
    deleteTree(dir.keysDir());
  }

  /**
   * Deletes what a removed node held: node.json, its certificates and key, its Raft storage and
   * store keys, and its tasks' working directories. The (empty) state dir stays for a new join.
   */
  static void removeNode(StateDir dir) throws IOException {
    Files.deleteIfExists(dir.nodeJson());
    for (Path sub : List.of(dir.root().resolve("certificates"), dir.raftDir(), dir.keysDir(), dir.root().resolve("tasks"))) {
      deleteTree(sub);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
