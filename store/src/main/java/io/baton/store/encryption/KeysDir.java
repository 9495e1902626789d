package io.baton.store.encryption;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.baton.api.store.DataKeyring;
import io.baton.api.store.StoreKeysFile;
import io.baton.ca.UnlockKey;
import io.baton.store.DurableFiles;
import io.baton.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;

/**
 * A manager's {@code keys/} directory: {@code store.keys} holds its data keys wrapped by its KEK;
 * {@code kek} holds the KEK itself when autolock is off, and does not exist when it is on.
 *
 * <p>Every file is written atomically (temporary file, fsync, rename, directory fsync) with mode
 * 0600, so a crash leaves either the old or the new keys, never a mix that decrypts nothing.
 * Changing the protection writes {@code store.keys} first and adds or removes {@code kek} after,
 * so a crash in between leaves a file that the old way or the new way unlocks.
 */
public final class KeysDir {
  static final String KEYS_FILE = "store.keys";
  static final String KEK_FILE = "kek";
  private static final int FORMAT = 1;
  private static final int SALT_BYTES = 32;
  private static final byte[] AAD = "baton store.keys v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** How the KEK is kept: stored beside the keys, or derived from the operator's unlock key. */
  public sealed interface Protection {
    /** Autolock off: a random KEK in {@code keys/kek}. */
    record Stored() implements Protection {}

    /** Autolock on: the KEK is derived from this unlock key and is written nowhere. */
    record Autolock(UnlockKey unlockKey) implements Protection {}
  }

  /**
   * A KEK with how it is kept. Kept by whoever writes the keys again (after a rotation), so the KEK
   * changes only when the protection does.
   */
  public record Wrapping(Protection protection, Kek kek, byte[] salt) {
    @Override
    public String toString() {
      return "Wrapping[" + (protection instanceof Protection.Autolock ? "autolock" : "stored KEK") + "]";
    }
  }

  /**
   * What the keys file holds, unwrapped: the data keys and the password of an encrypted {@code
   * node.key} (null when it is in the clear).
   */
  public record Contents(DataKeys keys, char[] nodeKeyPassword) {
    @Override
    public String toString() {
      return "Contents[" + keys + ", node key " + (nodeKeyPassword == null ? "in the clear" : "encrypted") + "]";
    }
  }

  /** The contents, and how they were wrapped. */
  public record Opened(Contents contents, Wrapping wrapping) {}

  private final Path dir;
  private final SecureRandom random;

  public KeysDir(Path dir, SecureRandom random) {
    this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath();
    this.random = Objects.requireNonNull(random, "random");
  }

  public Path path() {
    return dir;
  }

  /** True if keys were ever written here. */
  public boolean exists() {
    return Files.exists(dir.resolve(KEYS_FILE));
  }

  /** True if the keys here need the unlock key. */
  public boolean locked() throws StoreException {
    return read().getAutolock();
  }

  /** A new KEK kept as {@code protection} says: random, or derived with a new salt. */
  public Wrapping newWrapping(Protection protection) {
    return switch (protection) {
      case Protection.Stored s -> new Wrapping(protection, Kek.random(random), new byte[0]);
      case Protection.Autolock a -> {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        yield new Wrapping(protection, Kek.fromUnlockKey(a.unlockKey(), salt), salt);
      }
    };
  }

  /** Wraps {@code contents} under {@code wrapping}'s KEK and writes them, replacing what was here. */
  public void write(Contents contents, Wrapping wrapping) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    boolean autolock = wrapping.protection() instanceof Protection.Autolock;
    if (!autolock) {
      writeAndSync(dir.resolve(KEK_FILE), wrapping.kek().bytes());
    }
    byte[] sealed =
        AesGcm.seal(wrapping.kek().keyringKey(), AAD, keyring(contents).toByteArray(), random);
    StoreKeysFile file =
        StoreKeysFile.newBuilder()
            .setFormat(FORMAT)
            .setAutolock(autolock)
            .setSalt(ByteString.copyFrom(wrapping.salt()))
            .setWrappedKeyring(ByteString.copyFrom(sealed))
            .build();
    writeAndSync(dir.resolve(KEYS_FILE), file.toByteArray());
    if (autolock && Files.deleteIfExists(dir.resolve(KEK_FILE))) {
      DurableFiles.fsyncDirectory(dir);
    }
  }

  /** Deletes every key here (a demoted manager keeps no store keys). */
  public void delete() throws IOException {
    Files.deleteIfExists(dir.resolve(KEYS_FILE));
    Files.deleteIfExists(dir.resolve(KEK_FILE));
    DurableFiles.fsyncDirectory(dir);
  }

  /**
   * Unwraps the keys with the stored KEK.
   *
   * @throws StoreException.Corrupt if the files are damaged
   * @throws InvalidUnlockKey if autolock is on (the keys need {@link #open(UnlockKey)})
   */
  public Opened open() throws StoreException, InvalidUnlockKey {
    StoreKeysFile file = read();
    if (file.getAutolock()) {
      throw new InvalidUnlockKey("this manager is locked: it needs the cluster's unlock key");
    }
    byte[] raw;
    try {
      raw = Files.readAllBytes(dir.resolve(KEK_FILE));
    } catch (IOException e) {
      throw new StoreException.Corrupt(
          "cannot read " + dir.resolve(KEK_FILE) + ": " + e.getMessage(), e);
    }
    if (raw.length != Kek.BYTES) {
      throw new StoreException.Corrupt(dir.resolve(KEK_FILE) + " is not a 32-byte key");
    }
    Kek kek = Kek.of(raw);
    Arrays.fill(raw, (byte) 0);
    try {
      return new Opened(unwrap(file, kek), new Wrapping(new Protection.Stored(), kek, new byte[0]));
    } catch (AEADBadTagException e) {
      throw new StoreException.Corrupt(
          dir.resolve(KEYS_FILE) + " does not open with the key in " + dir.resolve(KEK_FILE)
              + ": one of them was altered or replaced");
    }
  }

  /**
   * Unwraps the keys with the KEK derived from {@code unlockKey}.
   *
   * @throws InvalidUnlockKey if it is not the key they were wrapped under
   */
  public Opened open(UnlockKey unlockKey) throws StoreException, InvalidUnlockKey {
    StoreKeysFile file = read();
    if (!file.getAutolock()) {
      return open();
    }
    byte[] salt = file.getSalt().toByteArray();
    Kek kek = Kek.fromUnlockKey(unlockKey, salt);
    try {
      return new Opened(
          unwrap(file, kek), new Wrapping(new Protection.Autolock(unlockKey), kek, salt));
    } catch (AEADBadTagException e) {
      throw new InvalidUnlockKey("this is not the unlock key of this manager");
    }
  }

  private static Contents unwrap(StoreKeysFile file, Kek kek)
      throws AEADBadTagException, StoreException {
    byte[] plain = AesGcm.open(kek.keyringKey(), AAD, file.getWrappedKeyring().toByteArray(), 0);
    try {
      DataKeyring ring = DataKeyring.parseFrom(plain);
      return new Contents(new DataKeys(ring.getKeysList()),
          ring.getNodeKeyPassword().isEmpty() ? null : ring.getNodeKeyPassword().toCharArray());
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new StoreException.Corrupt("the data keyring is malformed: " + e.getMessage(), e);
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  private StoreKeysFile read() throws StoreException {
    Path p = dir.resolve(KEYS_FILE);
    try {
      StoreKeysFile file = StoreKeysFile.parseFrom(Files.readAllBytes(p));
      if (file.getFormat() != FORMAT) {
        throw new StoreException.Corrupt(
            p + " is in format " + file.getFormat() + ", which this version cannot read");
      }
      return file;
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException.Corrupt(p + " is not a baton keys file: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new StoreException.Corrupt(
          "cannot read the store's keys " + p + ": " + e.getMessage()
              + "; without them the Raft storage of this manager cannot be read", e);
    }
  }

  private static DataKeyring keyring(Contents contents) {
    DataKeyring.Builder ring = DataKeyring.newBuilder().addAllKeys(contents.keys().keys());
    if (contents.nodeKeyPassword() != null) {
      ring.setNodeKeyPassword(new String(contents.nodeKeyPassword()));
    }
    return ring.build();
  }

  /** Replaces {@code target} and makes the rename durable before the next file is written. */
  private static void writeAndSync(Path target, byte[] content) throws IOException {
    DurableFiles.writeAndRename(target, content);
    DurableFiles.fsyncDirectory(target.getParent());
  }
}
