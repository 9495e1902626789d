package io.baton.store.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import io.baton.api.DataKey;
import io.baton.store.StoreException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

/**
 * {@link EncryptedCodec#decode} on arbitrary bytes, as a manager reads them from a raft/ directory
 * an attacker may have written: only {@link StoreException.Corrupt}, never plain bytes of a record
 * nobody sealed, never another exception. Whatever decodes is integrity-checked (any changed byte
 * is refused), and every input round-trips through {@link EncryptedCodec#encode}.
 */
class EncryptedCodecFuzzTest {
  private static final DataKeys RING = new DataKeys(List.of(key(1, 0x11), key(2, 0x22)));

  @FuzzTest
  void decode(byte[] input) throws Exception {
    EncryptedCodec codec = new EncryptedCodec(RING, keys -> {}, deterministicRandom(input));
    try {
      byte[] plain = codec.decode(input);
      assertEveryChangeDetected(codec, input);
      assertThat(plain).isNotNull();
    } catch (StoreException.Corrupt e) {
      assertThat(e.getMessage()).isNotBlank();
    }

    byte[] sealed = codec.encode(input);
    assertThat(codec.decode(sealed)).isEqualTo(input);
    byte[] altered = sealed.clone();
    int at = Math.floorMod(Arrays.hashCode(input), sealed.length);
    altered[at] ^= (byte) (1 + (input.length % 255));
    assertThatThrownBy(() -> codec.decode(altered)).isInstanceOf(StoreException.Corrupt.class);
  }

  private static void assertEveryChangeDetected(EncryptedCodec codec, byte[] record) {
    for (int i = 0; i < record.length; i++) {
      byte[] altered = record.clone();
      altered[i] ^= 0x01;
      assertThatThrownBy(() -> codec.decode(altered)).isInstanceOf(StoreException.Corrupt.class);
    }
  }

  /** Nonces from the input, so the target is deterministic as the fuzzer needs. */
  private static SecureRandom deterministicRandom(byte[] input) throws NoSuchAlgorithmException {
    SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
    random.setSeed(input);
    return random;
  }

  private static DataKey key(int id, int fill) {
    byte[] material = new byte[AesGcm.KEY_BYTES];
    Arrays.fill(material, (byte) fill);
    return DataKey.newBuilder().setId(id).setKey(ByteString.copyFrom(material)).build();
  }
}
