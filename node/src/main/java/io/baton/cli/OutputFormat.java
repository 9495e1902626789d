package io.baton.cli;

/** The {@code --format} values list and inspect commands accept. */
enum OutputFormat {
  TABLE,
  JSON;

  static OutputFormat of(String text) {
    return switch (text) {
      case "table" -> TABLE;
      case "json" -> JSON;
      default -> throw new UsageError("unknown --format '" + text + "': use table or json");
    };
  }

  /** Checks the {@code --format} of a command that prints only JSON (the inspect commands). */
  static void requireJson(String text, String command) {
    if (of(text) != JSON) {
      throw new UsageError(command + " supports --format json only");
    }
  }
}
