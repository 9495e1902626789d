package io.baton.ca;

/** A text that does not have the form of an unlock key ({@code BTNKEY-1-...}). */
public final class InvalidUnlockKeyException extends Exception {
  public InvalidUnlockKeyException(String message) {
    super(message);
  }
}
