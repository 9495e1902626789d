package io.baton.store.encryption;

/** The unlock key given does not unwrap this manager's keys; the manager stays locked. */
public final class InvalidUnlockKey extends Exception {
  InvalidUnlockKey(String message) {
    super(message);
  }
}
