package io.baton.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's name as the node reports it (self-reported, never used for authorization). */
final class Hostname {
  private Hostname() {}

  static String detect() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env.strip();
    }
    try {
      return Files.readString(Path.of("/etc/hostname")).strip();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
