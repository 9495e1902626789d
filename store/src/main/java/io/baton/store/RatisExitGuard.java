package io.baton.store;

import org.apache.ratis.util.ExitUtils;

/**
 * Keeps Ratis from ending the process. Ratis calls {@code System.exit} when its gRPC server cannot
 * start (e.g. the Raft port is taken), and the first use of its exit utility installs a JVM-wide
 * uncaught-exception handler that exits too. A store embedded in a manager must fail with an
 * exception instead: this turns both off once, and leaves the application's own handler in place.
 */
final class RatisExitGuard {

  private RatisExitGuard() {}

  private static boolean installed;

  /** Idempotent; call before the first Ratis server is built. */
  static synchronized void install() {
    if (installed) {
      return;
    }
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    ExitUtils.disableSystemExit();
    ExitUtils.setTerminateOnUncaughtException(false);
    Thread.setDefaultUncaughtExceptionHandler(previous);
    installed = true;
  }

  /** Forgets an exit Ratis asked for and this guard turned into an exception. */
  static void clearRequestedExit() {
    ExitUtils.clear();
  }
}
