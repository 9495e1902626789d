package io.baton.cli;

import io.baton.api.UnlockGrpc;
import io.baton.api.UnlockRequest;
import io.baton.cli.transport.CliTransport;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code baton unlock}: gives a locked manager its unlock key, read from standard input (without
 * echo on a terminal), never from the command line where other users could see it.
 */
@Command(name = "unlock", description = "Unlock a manager that was restarted with autolock on; the key is read"
    + " from standard input.")
final class UnlockCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    String key = readKey();
    if (key == null || key.isBlank()) {
      throw new UsageError("no unlock key on standard input");
    }
    try (CliTransport transport = BatonCli.connection(spec).open()) {
      transport.unary(UnlockGrpc.getUnlockMethod(), UnlockRequest.newBuilder().setUnlockKey(key.strip()).build());
    }
    return 0;
  }

  private static String readKey() throws IOException {
    Console console = System.console();
    if (console != null && isTerminal(console)) {
      char[] typed = console.readPassword("Enter unlock key: ");
      return typed == null ? null : new String(typed);
    }
    return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
  }

  /**
   * Whether standard input is a terminal: on JDK 22 and later {@code System.console()} is not null
   * for redirected input either, and {@code Console.isTerminal()} tells; on 21 a console means one.
   */
  private static boolean isTerminal(Console console) {
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }
}
