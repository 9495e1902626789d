package io.baton.agent.secrets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Reads {@code /proc/self/mountinfo}: which filesystem is mounted where, with which options. */
final class Mounts {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  /**
   * One mount: its mount point, filesystem type, source (for a tmpfs, the name given to
   * {@code mount}) and per-mount options (e.g. nosuid,nodev).
   */
  record Mount(Path mountPoint, String fsType, String source, List<String> options) {}

  private Mounts() {}

  /** The mount whose mount point is exactly {@code dir} (the last one, if stacked). */
  static Optional<Mount> at(Path dir) throws IOException {
    Mount found = null;
    for (String line : Files.readAllLines(MOUNTINFO)) {
      String[] f = line.split(" ");
      int dash = List.of(f).indexOf("-");
      if (f.length < 7 || dash < 6 || dash + 2 >= f.length) {
        continue;
      }
      Path point = Path.of(unescape(f[4]));
      if (point.equals(dir)) {
        found = new Mount(point, f[dash + 1], unescape(f[dash + 2]), List.of(f[5].split(",")));
      }
    }
    return Optional.ofNullable(found);
  }

  /** mountinfo writes space, tab, newline and backslash as octal escapes. */
  private static String unescape(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
