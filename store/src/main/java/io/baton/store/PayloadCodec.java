package io.baton.store;

/**
 * Turns the bytes the store persists (Raft log entry payloads and snapshots) into what is written
 * to disk and back. The seam for encryption at rest: every byte the store writes passes through
 * it.
 *
 * <p>Implementations must be thread-safe and deterministic in {@link #decode}; {@link #encode}
 * may use randomness (e.g. nonces). Log payloads are encoded once, on the peer that proposes
 * them, and replicated as encoded, so every peer of a group must be able to decode what any
 * other peer encoded.
 */
public interface PayloadCodec {

  /** Identity: stores payloads as they are. */
  PayloadCodec PLAIN =
      new PayloadCodec() {
        @Override
        public byte[] encode(byte[] plain) {
          return plain;
        }

        @Override
        public byte[] decode(byte[] stored) {
          return stored;
        }

        @Override
        public String toString() {
          return "PayloadCodec.PLAIN";
        }
      };

  /** The bytes to write for {@code plain}. */
  byte[] encode(byte[] plain);

  /**
   * The plain bytes of something {@link #encode} produced.
   *
   * @throws StoreException.Corrupt if {@code stored} is damaged or was not produced by this codec
   */
  byte[] decode(byte[] stored) throws StoreException.Corrupt;

  /**
   * Called on the apply thread with the state after each applied entry and after a snapshot was
   * loaded, before the next entry is decoded: how a codec learns keys the store itself carries.
   * Throwing stops the store.
   */
  default void observe(ReadView state) {}
}
