package io.baton.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations the way docker's flags take them: {@code 24h}, {@code 1h30m}, {@code 90s}, {@code 500ms}. */
final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private Durations() {}

  /**
   * The duration {@code text} says, at most what a long counts in milliseconds (about 292 million
   * years), so callers may take {@link Duration#toMillis()}.
   *
   * @throws UsageError if the text is empty, malformed or too long a duration
   */
  static Duration parse(String flag, String text) {
    if (text == null || text.isEmpty()) {
      throw new UsageError("empty duration for " + flag);
    }
    Matcher m = PART.matcher(text);
    Duration total = Duration.ZERO;
    int end = 0;
    try {
      while (m.find() && m.start() == end) {
        long n = Long.parseLong(m.group(1));
        total = total.plus(switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        });
        end = m.end();
      }
      total.toMillis();
    } catch (NumberFormatException | ArithmeticException e) {
      throw new UsageError("duration '" + text + "' for " + flag + " is too long");
    }
    if (end != text.length()) {
      throw new UsageError("invalid duration '" + text + "' for " + flag + ": use e.g. 24h, 1h30m, 90s");
    }
    return total;
  }

  static String format(Duration d) {
    if (d.toSeconds() % 3600 == 0) {
      return d.toHours() + "h";
    }
    return d.toSeconds() % 60 == 0 ? d.toMinutes() + "m" : d.toSeconds() + "s";
  }
}
