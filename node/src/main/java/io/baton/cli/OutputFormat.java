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
}
