package io.baton.store.encryption;

import com.google.protobuf.ByteString;
import io.baton.api.DataKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An immutable ring of data keys, ordered by id; the one with the highest id is current and
 * encrypts what is written now, the older ones still decrypt what was written under them.
 *
 * <p>Holds key material: never log it, never return it from an API.
 */
public record DataKeys(List<DataKey> keys) {

  public DataKeys {
    keys = List.copyOf(keys);
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("a keyring needs at least one data key");
    }
    for (int i = 0; i < keys.size(); i++) {
      DataKey k = keys.get(i);
      if (k.getKey().size() != AesGcm.KEY_BYTES) {
        throw new IllegalArgumentException("data key " + k.getId() + " is not 32 bytes");
      }
      if (i > 0 && Integer.compareUnsigned(keys.get(i - 1).getId(), k.getId()) >= 0) {
        throw new IllegalArgumentException("data keys must be in increasing id order");
      }
    }
  }

  /** A ring with the first key (id 1) of a new cluster. */
  public static DataKeys first(SecureRandom random, long nowMs) {
    return new DataKeys(List.of(newKey(1, random, nowMs)));
  }

  /** This ring plus a new current key, one id above the current one. */
  public DataKeys rotated(SecureRandom random, long nowMs) {
    List<DataKey> next = new ArrayList<>(keys);
    next.add(newKey(current().getId() + 1, random, nowMs));
    return new DataKeys(next);
  }

  public DataKey current() {
    return keys.get(keys.size() - 1);
  }

  public Optional<DataKey> find(int id) {
    return keys.stream().filter(k -> k.getId() == id).findFirst();
  }

  private static DataKey newKey(int id, SecureRandom random, long nowMs) {
    byte[] material = new byte[AesGcm.KEY_BYTES];
    random.nextBytes(material);
    return DataKey.newBuilder()
        .setId(id)
        .setKey(ByteString.copyFrom(material))
        .setCreatedAtMs(nowMs)
        .build();
  }

  @Override
  public String toString() {
    return "DataKeys[" + keys.size() + " keys, current id " + current().getId() + "]";
  }
}
