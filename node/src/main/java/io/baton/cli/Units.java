package io.baton.cli;

import java.math.BigDecimal;
import java.util.Locale;

/** Parses CPU and memory amounts as docker's flags take them: {@code 0.5}, {@code 64M}, {@code 1G}. */
final class Units {
  private Units() {}

  /** CPUs ({@code 1.5}) to billionths of a CPU. */
  static long nanoCpus(String flag, String text) {
    try {
      BigDecimal cpus = new BigDecimal(text);
      if (cpus.signum() < 0) {
        throw new UsageError(flag + " must not be negative");
      }
      // More than 19 integer digits never fit a long; refused before scaling, which would expand an
      // exponent such as 1e100000000 into that many digits.
      if (cpus.precision() - cpus.scale() > 19) {
        throw new ArithmeticException("too large");
      }
      return cpus.movePointRight(9).longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw new UsageError("invalid " + flag + " '" + text + "': use a number of CPUs such as 0.5 or 2");
    }
  }

  /** Memory ({@code 512}, {@code 64k}, {@code 64M}, {@code 1G}) to bytes. */
  static long bytes(String flag, String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (t.endsWith("b")) {
      t = t.substring(0, t.length() - 1);
    }
    if (!t.isEmpty()) {
      switch (t.charAt(t.length() - 1)) {
        case 'k' -> unit = 1L << 10;
        case 'm' -> unit = 1L << 20;
        case 'g' -> unit = 1L << 30;
        case 't' -> unit = 1L << 40;
        default -> unit = 1;
      }
      if (unit != 1) {
        t = t.substring(0, t.length() - 1);
      }
    }
    try {
      long value = Long.parseLong(t);
      if (value < 0) {
        throw new UsageError(flag + " must not be negative");
      }
      return Math.multiplyExact(value, unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new UsageError("invalid " + flag + " '" + text + "': use bytes or a number with k, M or G");
    }
  }
}
