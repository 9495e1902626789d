package io.baton.ca;

/**
 * A certificate whose subject does not name exactly one node id, one known role and one cluster.
 */
public final class CertificateIdentityException extends Exception {
  public CertificateIdentityException(String message) {
    super(message);
  }
}
