package io.baton.ca;

import java.util.Objects;

/**
 * An external CA did not give a usable certificate. The message is one line for operators and
 * requesters; it names the CA's URL and what went wrong, never an auth key or a whole response.
 */
public final class ExternalCaException extends Exception {
  /** What went wrong, for mapping to a status code at the RPC boundary. */
  public enum Failure {
    /** Connecting failed, timed out, or the answer was not a CFSSL response: worth retrying. */
    UNREACHABLE,
    /** The CA answered and refused to sign (policy, auth key, disabled endpoint). */
    REFUSED,
    /** The CA signed something baton does not hand out: wrong subject, names, usage, validity or root. */
    BAD_CERTIFICATE
  }

  private final Failure failure;

  public ExternalCaException(Failure failure, String message) {
    super(message);
    this.failure = Objects.requireNonNull(failure, "failure");
  }

  public Failure failure() {
    return failure;
  }
}
