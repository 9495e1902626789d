package io.baton.cli;

/** A mistake in how a command was invoked; exits with 125 like docker's usage errors. */
final class UsageError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageError(String message) {
    super(message, null, false, false);
  }
}
