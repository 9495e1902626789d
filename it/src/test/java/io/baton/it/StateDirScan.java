package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Scans every byte of every file under a directory for a marker, as a thief of the disk would. */
public final class StateDirScan {
  private StateDirScan() {}

  /** Fails naming the files under {@code root} whose bytes contain {@code marker} (UTF-8). */
  public static void assertNoneContains(Path root, String marker) {
    assertThat(filesContaining(root, marker.getBytes(StandardCharsets.UTF_8)))
        .as("files under %s holding the marker in the clear", root).isEmpty();
  }

  public static List<Path> filesContaining(Path root, byte[] needle) {
    List<Path> hits = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        if (contains(Files.readAllBytes(p), needle)) {
          hits.add(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return hits;
  }

  /** Whether {@code needle} occurs in {@code haystack}. */
  public static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
