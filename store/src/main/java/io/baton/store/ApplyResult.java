package io.baton.store;

import java.nio.charset.StandardCharsets;

/**
 * What applying a proposal told its proposer, carried back in the Raft reply as one code byte
 * followed by a UTF-8 detail. Deterministic: every peer computes the same result for an entry.
 */
record ApplyResult(Kind kind, String detail) {

  enum Kind {
    /** Every action took effect. */
    APPLIED,
    /** An expected version did not match; nothing changed, the proposer may retry. */
    CONFLICT,
    /** The proposal is malformed; nothing changed, retrying cannot help. */
    REJECTED
  }

  static final ApplyResult APPLIED = new ApplyResult(Kind.APPLIED, "");

  static ApplyResult conflict(String detail) {
    return new ApplyResult(Kind.CONFLICT, detail);
  }

  static ApplyResult rejected(String detail) {
    return new ApplyResult(Kind.REJECTED, detail);
  }

  byte[] encode() {
    byte[] text = detail.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[text.length + 1];
    out[0] = (byte) kind.ordinal();
    System.arraycopy(text, 0, out, 1, text.length);
    return out;
  }

  /**
   * @throws IllegalArgumentException if {@code bytes} is not an encoded result
   */
  static ApplyResult decode(byte[] bytes) {
    if (bytes.length == 0 || bytes[0] < 0 || bytes[0] >= Kind.values().length) {
      throw new IllegalArgumentException("not an apply result (" + bytes.length + " bytes)");
    }
    return new ApplyResult(
        Kind.values()[bytes[0]],
        new String(bytes, 1, bytes.length - 1, StandardCharsets.UTF_8));
  }
}
