package io.baton.manager.constraint;

/**
 * A placement constraint or node attribute name that cannot be understood. The message names the
 * offending text, the problem and the accepted forms, so it can be shown to the operator as is.
 */
public final class InvalidConstraintException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidConstraintException(String message) {
    super(message);
  }
}
