package io.baton.store.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.Cluster;
import io.baton.store.ReadView;
import io.baton.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EncryptedCodecTest {
  private static final byte[] PLAIN = "secret-marker-7f3a: a store entry".getBytes(StandardCharsets.UTF_8);
  private final SecureRandom random = new SecureRandom();
  private final List<DataKeys> persisted = new ArrayList<>();

  private EncryptedCodec codec(DataKeys keys) {
    return new EncryptedCodec(keys, persisted::add, random);
  }

  @Test
  void roundTripsAndNeverShowsThePlainBytes() throws Exception {
    EncryptedCodec codec = codec(DataKeys.first(random, 0));
    byte[] stored = codec.encode(PLAIN);
    assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("secret-marker");
    assertThat(codec.decode(stored)).isEqualTo(PLAIN);
    assertThat(codec.encode(PLAIN)).as("a fresh nonce per record").isNotEqualTo(stored);
  }

  @Test
  void everyAlteredByteIsDetected() {
    EncryptedCodec codec = codec(DataKeys.first(random, 0));
    byte[] stored = codec.encode(PLAIN);
    for (int i = 0; i < stored.length; i++) {
      byte[] tampered = stored.clone();
      tampered[i] ^= 0x01;
      assertThatThrownBy(() -> codec.decode(tampered))
          .as("byte %d flipped", i)
          .isInstanceOf(StoreException.Corrupt.class);
    }
    assertThatThrownBy(() -> codec.decode(java.util.Arrays.copyOf(stored, stored.length - 1)))
        .isInstanceOf(StoreException.Corrupt.class).hasMessageContaining("altered or damaged");
  }

  @Test
  void aRecordUnderAnotherKeyOrInTheClearIsRefused() {
    EncryptedCodec mine = codec(DataKeys.first(random, 0));
    EncryptedCodec theirs = codec(DataKeys.first(random, 0));
    assertThatThrownBy(() -> mine.decode(theirs.encode(PLAIN)))
        .isInstanceOf(StoreException.Corrupt.class).hasMessageContaining("fails authentication");
    assertThatThrownBy(() -> mine.decode(PLAIN))
        .isInstanceOf(StoreException.Corrupt.class).hasMessageContaining("not an encrypted baton record");
    EncryptedCodec rotated = codec(mine.keys().rotated(random, 1));
    assertThatThrownBy(() -> mine.decode(rotated.encode(PLAIN)))
        .isInstanceOf(StoreException.Corrupt.class).hasMessageContaining("data key 2, which this manager does not hold");
  }

  @Test
  void learnsRotatedKeysFromTheStatePersistingThemBeforeUse() throws Exception {
    DataKeys first = DataKeys.first(random, 0);
    EncryptedCodec codec = codec(first);
    byte[] old = codec.encode(PLAIN);
    DataKeys rotated = first.rotated(random, 1);

    codec.observe(view(rotated));

    assertThat(persisted).containsExactly(rotated);
    assertThat(codec.keys().current().getId()).isEqualTo(2);
    assertThat(codec.decode(old)).isEqualTo(PLAIN);
    codec.observe(view(rotated));
    assertThat(persisted).as("an unchanged ring is not written again").hasSize(1);
  }

  @Test
  void aRingThatCannotBePersistedIsNotUsed() {
    DataKeys first = DataKeys.first(random, 0);
    EncryptedCodec codec = new EncryptedCodec(first, keys -> {
      throw new IOException("disk full");
    }, random);

    assertThatThrownBy(() -> codec.observe(view(first.rotated(random, 1))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("disk full");
    assertThat(codec.keys()).isEqualTo(first);
  }

  private static ReadView view(DataKeys keys) {
    Cluster cluster = Cluster.newBuilder().setId("c").addAllDataKeys(keys.keys()).build();
    return new ReadView() {
      @Override
      public Optional<Cluster> cluster() {
        return Optional.of(cluster);
      }

      @Override
      public Optional<io.baton.api.Node> node(String id) {
        return Optional.empty();
      }

      @Override
      public List<io.baton.api.Node> nodes() {
        return List.of();
      }

      @Override
      public long appliedIndex() {
        return 0;
      }
    };
  }
}
