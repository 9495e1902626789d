package io.baton.ca;

/**
 * A CSR the CA refuses to sign. The message is meant for the requester (it may cross the wire) and
 * never echoes the CSR's content.
 */
public final class CsrRejectedException extends Exception {
  public CsrRejectedException(String message) {
    super(message);
  }
}
