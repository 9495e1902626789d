package io.baton.node;

/** A node cannot start or keep running; the message tells the operator what to do. */
public final class NodeException extends Exception {
  private static final long serialVersionUID = 1L;

  public NodeException(String message) {
    super(message);
  }

  public NodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
