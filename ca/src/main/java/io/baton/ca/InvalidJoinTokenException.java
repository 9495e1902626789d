package io.baton.ca;

/**
 * A join token text that is not well formed. The message says what is wrong and never contains the
 * token's secret part, so it may be logged and shown to users.
 */
public final class InvalidJoinTokenException extends Exception {
  public InvalidJoinTokenException(String message) {
    super(message);
  }
}
