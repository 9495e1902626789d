package io.baton.store.encryption;

import io.baton.api.DataKey;
import io.baton.store.PayloadCodec;
import io.baton.store.ReadView;
import io.baton.store.StoreException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import javax.crypto.AEADBadTagException;

/**
 * The store's {@link PayloadCodec} for encryption at rest: every log entry payload and snapshot
 * becomes one AES-256-GCM record under the current data key.
 *
 * <p>Record layout: {@code "BTNE"}, format byte {@code 1}, the data key's id (4 bytes, big
 * endian), then {@code nonce || ciphertext || tag}; the 9 header bytes are authenticated too, so a
 * record cannot be relabelled to another key. Decoding a record that was altered in any byte fails
 * with {@link StoreException.Corrupt}, never with wrong plain bytes.
 *
 * <p>The ring of keys grows as the store applies rotations: {@link #observe} is called on the
 * apply thread after each entry, before the next is decoded, and hands a grown ring to the {@link
 * KeyringSink} (which persists it) before any record is written under the new key. Thread-safe.
 */
public final class EncryptedCodec implements PayloadCodec {

  /** Receives the ring whenever it grows; must persist it durably before returning. */
  @FunctionalInterface
  public interface KeyringSink {
    void store(DataKeys keys) throws java.io.IOException;
  }

  static final byte[] MAGIC = {'B', 'T', 'N', 'E'};
  static final byte FORMAT = 1;
  static final int HEADER_BYTES = MAGIC.length + 1 + Integer.BYTES;

  private final SecureRandom random;
  private final KeyringSink sink;
  private volatile DataKeys keys;

  public EncryptedCodec(DataKeys keys, KeyringSink sink, SecureRandom random) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.random = Objects.requireNonNull(random, "random");
  }

  /** The ring in use now. */
  public DataKeys keys() {
    return keys;
  }

  @Override
  public byte[] encode(byte[] plain) {
    DataKey key = keys.current();
    byte[] header = header(key.getId());
    byte[] sealed = AesGcm.seal(key.getKey().toByteArray(), header, plain, random);
    return ByteBuffer.allocate(header.length + sealed.length).put(header).put(sealed).array();
  }

  @Override
  public byte[] decode(byte[] stored) throws StoreException.Corrupt {
    if (stored.length < HEADER_BYTES || !hasMagic(stored)) {
      throw new StoreException.Corrupt("it is not an encrypted baton record");
    }
    if (stored[MAGIC.length] != FORMAT) {
      throw new StoreException.Corrupt(
          "it is in encryption format " + stored[MAGIC.length] + ", which this version cannot read");
    }
    int id = ByteBuffer.wrap(stored, MAGIC.length + 1, Integer.BYTES).getInt();
    DataKey key =
        keys.find(id)
            .orElseThrow(
                () ->
                    new StoreException.Corrupt(
                        "it is encrypted under data key "
                            + Integer.toUnsignedString(id)
                            + ", which this manager does not hold"));
    try {
      return AesGcm.open(key.getKey().toByteArray(), header(id), stored, HEADER_BYTES);
    } catch (AEADBadTagException e) {
      throw new StoreException.Corrupt(
          "it fails authentication under data key "
              + Integer.toUnsignedString(id)
              + ": it was altered or damaged");
    }
  }

  /**
   * Learns the data keys the state holds. Persists a grown ring through the sink first; if that
   * fails the ring in use stays as it was and this throws, which stops the store rather than let
   * it write records under a key that is not on disk.
   */
  @Override
  public void observe(ReadView state) {
    List<DataKey> stateKeys = state.cluster().map(c -> c.getDataKeysList()).orElse(List.of());
    DataKeys current = keys;
    if (stateKeys.isEmpty() || current.keys().containsAll(stateKeys)) {
      return;
    }
    TreeMap<Integer, DataKey> merged = new TreeMap<>(Integer::compareUnsigned);
    current.keys().forEach(k -> merged.put(k.getId(), k));
    stateKeys.forEach(k -> merged.put(k.getId(), k));
    DataKeys grown = new DataKeys(List.copyOf(merged.values()));
    try {
      sink.store(grown);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(
          "cannot persist the store's new data key: " + e.getMessage(), e);
    }
    keys = grown;
  }

  private static byte[] header(int keyId) {
    return ByteBuffer.allocate(HEADER_BYTES).put(MAGIC).put(FORMAT).putInt(keyId).array();
  }

  private static boolean hasMagic(byte[] stored) {
    for (int i = 0; i < MAGIC.length; i++) {
      if (stored[i] != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "EncryptedCodec[" + keys + "]";
  }
}
