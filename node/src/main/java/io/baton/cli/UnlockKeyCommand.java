package io.baton.cli;

import io.baton.api.ControlGrpc;
import io.baton.api.GetUnlockKeyRequest;
import io.baton.api.RotateUnlockKeyRequest;
import io.baton.api.UnlockKeyInfo;
import io.baton.cli.transport.CliTransport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code baton unlock-key [--rotate] [-q]}: shows or rotates the unlock key of an autolocked cluster. */
@Command(name = "unlock-key", description = "Show or rotate the key that unlocks restarted managers (autolock).")
final class UnlockKeyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--rotate", description = "Replace the unlock key; once every manager has applied it, the old one"
      + " unlocks none of them.")
  boolean rotate;

  @Option(names = {"-q", "--quiet"}, description = "Print only the key.")
  boolean quiet;

  @Override
  public Integer call() {
    try (CliTransport transport = BatonCli.connection(spec).open()) {
      UnlockKeyInfo key = rotate
          ? transport.unary(ControlGrpc.getRotateUnlockKeyMethod(), RotateUnlockKeyRequest.getDefaultInstance())
          : transport.unary(ControlGrpc.getGetUnlockKeyMethod(), GetUnlockKeyRequest.getDefaultInstance());
      if (quiet) {
        System.out.println(key.getUnlockKey());
        return 0;
      }
      if (rotate) {
        System.out.println("Successfully rotated manager unlock key.");
        System.out.println();
      }
      printInstructions(key.getUnlockKey());
      return 0;
    }
  }

  /** What docker prints with an unlock key, so operators know what it is for and to keep it. */
  static void printInstructions(String unlockKey) {
    System.out.println("To unlock a manager after it restarts, run 'baton unlock --state-dir DIR'");
    System.out.println("and provide the following key:");
    System.out.println();
    System.out.println("    " + unlockKey);
    System.out.println();
    System.out.println("Keep it safe, e.g. in a password manager: without it a locked manager cannot start,");
    System.out.println("and no manager keeps a copy on disk.");
  }
}
