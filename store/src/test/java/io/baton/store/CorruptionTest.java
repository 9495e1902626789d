package io.baton.store;

import static io.baton.store.StoreFixture.CLUSTER_ID;
import static io.baton.store.StoreFixture.LEADER_TIMEOUT;
import static io.baton.store.StoreFixture.config;
import static io.baton.store.StoreFixture.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Damaged storage is refused loudly, never read as if it were whole. */
@Timeout(60)
class CorruptionTest {

  private static final String MARKER = "marker-node-7f3a";

  @TempDir Path dir;
  private RatisClusterStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void flippedByteInALogSegmentIsDetectedOnRestart() throws Exception {
    StoreConfig cfg = config(dir);
    store = StoreFixture.bootstrapped(cfg);
    store.update(tx -> put(tx, node("a")));
    store.update(tx -> put(tx, node(MARKER)));
    store.update(tx -> put(tx, node("z")));
    store.close();
    store = null;

    Path segment = flipByteOf(logSegments(), MARKER);

    assertThatThrownBy(() -> store = RatisClusterStore.open(cfg, CLUSTER_ID))
        .isInstanceOf(StoreException.Corrupt.class)
        .hasMessageContaining("Raft log")
        .hasMessageContaining("damaged")
        .hasMessageContaining(cfg.raftDir().toString());
    assertThat(segment).exists();
  }

  @Test
  void entryTheCodecCannotDecodeStopsTheStore() throws Exception {
    StoreConfig cfg = config(dir);
    store = RatisClusterStore.bootstrap(cfg, CLUSTER_ID, new TaggingCodec((byte) 1));
    store.awaitLeader(LEADER_TIMEOUT);
    store.update(tx -> put(tx, node("a")));
    store.close();

    store = RatisClusterStore.open(cfg, CLUSTER_ID, new TaggingCodec((byte) 2));

    assertThatThrownBy(() -> store.awaitLeader(LEADER_TIMEOUT))
        .isInstanceOf(StoreException.Corrupt.class)
        .hasMessageContaining("Raft log entry")
        .hasMessageContaining("cannot be read")
        .hasMessageContaining("tag 1");
    assertThat(store.isLeader()).isFalse();
    assertThat(store.view().node("a")).isEmpty();
    assertThatThrownBy(() -> store.update(tx -> put(tx, node("b"))))
        .isInstanceOf(StoreException.Corrupt.class);
  }

  @Test
  void damagedSnapshotIsRefusedOnRestart() throws Exception {
    StoreConfig cfg = config(dir).withSnapshotEveryEntries(3);
    store = StoreFixture.bootstrapped(cfg);
    for (int i = 0; i < 5; i++) {
      String id = "n" + i;
      store.update(tx -> put(tx, node(id)));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !snapshots().isEmpty());
    store.close();
    store = null;

    List<Path> snapshots = snapshots();
    Path newest = snapshots.get(snapshots.size() - 1);
    byte[] bytes = Files.readAllBytes(newest);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(newest, bytes);

    assertThatThrownBy(() -> store = RatisClusterStore.open(cfg, CLUSTER_ID))
        .isInstanceOf(StoreException.Corrupt.class)
        .hasMessageContaining("snapshot")
        .hasMessageContaining(newest.getFileName().toString())
        .hasMessageContaining("MD5");
  }

  @Test
  void openWithoutStorageFailsClearly() {
    StoreConfig cfg = config(dir.resolve("never-bootstrapped"));

    assertThatThrownBy(() -> store = RatisClusterStore.open(cfg, CLUSTER_ID))
        .isInstanceOf(StoreException.Corrupt.class)
        .hasMessageContaining("no Raft storage")
        .hasMessageContaining(CLUSTER_ID);
  }

  /** Flips one byte inside {@code text} in the segment that holds it; returns that segment. */
  private static Path flipByteOf(List<Path> segments, String text) throws IOException {
    byte[] needle = text.getBytes(StandardCharsets.UTF_8);
    for (Path segment : segments) {
      byte[] bytes = Files.readAllBytes(segment);
      int at = indexOf(bytes, needle);
      if (at >= 0) {
        bytes[at + needle.length / 2] ^= 0x20;
        Files.write(segment, bytes);
        return segment;
      }
    }
    throw new AssertionError("no log segment holds " + text + ": " + segments);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }

  private List<Path> logSegments() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("log_")).sorted().toList();
    }
  }

  private List<Path> snapshots() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))
          .sorted((a, b) -> Long.compare(index(a), index(b)))
          .toList();
    }
  }

  private static long index(Path snapshot) {
    String name = snapshot.getFileName().toString();
    return Long.parseLong(name.substring(name.indexOf('_') + 1));
  }

  private static Object put(Tx tx, io.baton.api.Node n) {
    tx.put(n);
    return null;
  }

  /** A codec that prefixes a tag byte and refuses payloads with another tag, like a wrong key. */
  private record TaggingCodec(byte tag) implements PayloadCodec {
    @Override
    public byte[] encode(byte[] plain) {
      byte[] out = new byte[plain.length + 1];
      out[0] = tag;
      System.arraycopy(plain, 0, out, 1, plain.length);
      return out;
    }

    @Override
    public byte[] decode(byte[] stored) throws StoreException.Corrupt {
      if (stored.length == 0 || stored[0] != tag) {
        throw new StoreException.Corrupt(
            "written with " + (stored.length == 0 ? "no tag" : "tag " + stored[0]) + ", expected tag " + tag);
      }
      return Arrays.copyOfRange(stored, 1, stored.length);
    }
  }
}
