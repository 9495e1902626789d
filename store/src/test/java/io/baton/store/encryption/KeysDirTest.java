package io.baton.store.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.ca.UnlockKey;
import io.baton.store.StoreException;
import io.baton.store.encryption.KeysDir.Contents;
import io.baton.store.encryption.KeysDir.Protection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysDirTest {
  @TempDir Path dir;
  private final SecureRandom random = new SecureRandom();
  private final DataKeys keys = DataKeys.first(random, 0);

  @Test
  void withoutAutolockTheStoredKekOpensTheKeys() throws Exception {
    KeysDir keysDir = new KeysDir(dir, random);
    keysDir.write(new Contents(keys, null), keysDir.newWrapping(new Protection.Stored()));

    assertThat(keysDir.locked()).isFalse();
    assertThat(keysDir.open().contents().keys()).isEqualTo(keys);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("store.keys"))))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("kek"))))
        .isEqualTo("rw-------");
    assertNoKeyMaterialInTheClear(dir.resolve("store.keys"));
  }

  @Test
  void underAutolockOnlyTheUnlockKeyOpensTheKeysAndNoKekIsStored() throws Exception {
    KeysDir keysDir = new KeysDir(dir, random);
    keysDir.write(new Contents(keys, null), keysDir.newWrapping(new Protection.Stored()));
    UnlockKey unlock = UnlockKey.generate(random);
    keysDir.write(new Contents(keys, "pw".toCharArray()), keysDir.newWrapping(new Protection.Autolock(unlock)));

    assertThat(dir.resolve("kek")).doesNotExist();
    assertThat(keysDir.locked()).isTrue();
    assertThatThrownBy(keysDir::open).isInstanceOf(InvalidUnlockKey.class).hasMessageContaining("locked");
    assertThatThrownBy(() -> keysDir.open(UnlockKey.generate(random)))
        .isInstanceOf(InvalidUnlockKey.class).hasMessageContaining("not the unlock key");
    KeysDir.Opened opened = keysDir.open(UnlockKey.parse(unlock.toString()));
    assertThat(opened.contents().keys()).isEqualTo(keys);
    assertThat(opened.contents().nodeKeyPassword()).containsExactly('p', 'w');
    assertNoKeyMaterialInTheClear(dir.resolve("store.keys"));
  }

  @Test
  void aRotatedUnlockKeyReplacesTheOldOne() throws Exception {
    KeysDir keysDir = new KeysDir(dir, random);
    UnlockKey old = UnlockKey.generate(random);
    UnlockKey next = UnlockKey.generate(random);
    keysDir.write(new Contents(keys, null), keysDir.newWrapping(new Protection.Autolock(old)));
    keysDir.write(new Contents(keys, null), keysDir.newWrapping(new Protection.Autolock(next)));

    assertThatThrownBy(() -> keysDir.open(old)).isInstanceOf(InvalidUnlockKey.class);
    assertThat(keysDir.open(next).contents().keys()).isEqualTo(keys);
  }

  @Test
  void alteredOrSwappedFilesAreReportedNotMisread() throws Exception {
    KeysDir keysDir = new KeysDir(dir, random);
    keysDir.write(new Contents(keys, null), keysDir.newWrapping(new Protection.Stored()));
    byte[] file = Files.readAllBytes(dir.resolve("store.keys"));
    file[file.length - 3] ^= 0x40;
    Files.write(dir.resolve("store.keys"), file);
    assertThatThrownBy(keysDir::open).isInstanceOf(StoreException.Corrupt.class)
        .hasMessageContaining("altered or replaced");

    Files.write(dir.resolve("store.keys"), new byte[] {1, 2, 3});
    assertThatThrownBy(keysDir::open).isInstanceOf(StoreException.Corrupt.class);
  }

  private void assertNoKeyMaterialInTheClear(Path file) throws Exception {
    String bytes = HexFormat.of().formatHex(Files.readAllBytes(file));
    for (var key : keys.keys()) {
      assertThat(bytes).doesNotContain(HexFormat.of().formatHex(key.getKey().toByteArray()).substring(0, 16));
    }
  }
}
