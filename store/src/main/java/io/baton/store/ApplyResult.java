package io.baton.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What applying a proposal told its proposer; the results of a batch's proposals travel back
 * together in the Raft reply ({@link #encodeAll}). Deterministic: every peer computes the same
 * results for an entry.
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

  /**
   * The results of a batch's proposals, in proposal order, as one Raft reply: per result its code
   * byte, the length of its detail (4 bytes, big-endian) and the detail in UTF-8.
   */
  static byte[] encodeAll(List<ApplyResult> results) {
    List<byte[]> details = new ArrayList<>(results.size());
    int size = 0;
    for (ApplyResult r : results) {
      byte[] text = r.detail().getBytes(StandardCharsets.UTF_8);
      details.add(text);
      size += 1 + Integer.BYTES + text.length;
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    for (int i = 0; i < results.size(); i++) {
      out.put((byte) results.get(i).kind().ordinal()).putInt(details.get(i).length).put(details.get(i));
    }
    return out.array();
  }

  /**
   * @throws IllegalArgumentException if {@code bytes} is not what {@link #encodeAll} makes
   */
  static List<ApplyResult> decodeAll(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    List<ApplyResult> results = new ArrayList<>();
    while (in.hasRemaining()) {
      int code = in.get();
      if (code < 0 || code >= Kind.values().length || in.remaining() < Integer.BYTES) {
        throw new IllegalArgumentException("not apply results (" + bytes.length + " bytes)");
      }
      int length = in.getInt();
      if (length < 0 || length > in.remaining()) {
        throw new IllegalArgumentException("not apply results (" + bytes.length + " bytes)");
      }
      results.add(new ApplyResult(
          Kind.values()[code], new String(bytes, in.position(), length, StandardCharsets.UTF_8)));
      in.position(in.position() + length);
    }
    return results;
  }
}
