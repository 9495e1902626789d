package io.baton.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Checks shared by the fuzz targets of this package. */
final class FuzzInputs {
  /** A run of base36 characters as long as this could be (part of) a token or key secret. */
  private static final Pattern SECRET_LIKE = Pattern.compile("[0-9a-z]{16,}");

  private FuzzInputs() {}

  /** Asserts that {@code message} repeats no secret-like run of {@code input}. */
  static void assertEchoesNoSecret(String message, String input) {
    Matcher m = SECRET_LIKE.matcher(input);
    while (m.find()) {
      assertThat(message).as("error message").doesNotContain(m.group());
    }
  }
}
