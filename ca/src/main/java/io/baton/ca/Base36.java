package io.baton.ca;

import java.math.BigInteger;

/**
 * Fixed-width lowercase base36 text of non-negative integers; the alphabet of ids, digests and
 * tokens.
 */
final class Base36 {
  private Base36() {}

  /**
   * Encodes {@code value} (non-negative) left-padded with zeros to exactly {@code width}
   * characters.
   *
   * @throws IllegalArgumentException if the value is negative or needs more than {@code width}
   *     digits
   */
  static String padded(BigInteger value, int width) {
    if (value.signum() < 0) {
      throw new IllegalArgumentException("negative value");
    }
    String digits = value.toString(36);
    if (digits.length() > width) {
      throw new IllegalArgumentException("value needs more than " + width + " base36 digits");
    }
    return "0".repeat(width - digits.length()) + digits;
  }

  /** True if {@code text} is exactly {@code width} characters of {@code [0-9a-z]}. */
  static boolean isBase36(String text, int width) {
    if (text == null || text.length() != width) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) {
        return false;
      }
    }
    return true;
  }
}
