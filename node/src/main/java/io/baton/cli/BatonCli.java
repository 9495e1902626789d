package io.baton.cli;

import io.baton.node.NodeException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The {@code baton} command line. Node commands (init, join, start) run a node in the foreground;
 * every other command talks to a node's control socket or, with {@code -H}, to a manager over
 * mutual TLS. Exit codes follow docker: 0 ok, 1 error, 125 usage error, 130 interrupted.
 */
@Command(
    name = "baton",
    description = "A least-privilege container orchestrator.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class)
public final class BatonCli implements Runnable {
  static final int EXIT_ERROR = 1;
  static final int EXIT_USAGE = 125;

  @Mixin ConnectionOptions connection;

  @CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /** The connection options of the whole invocation. */
  static ConnectionOptions connection(CommandSpec spec) {
    return ((BatonCli) spec.root().userObject()).connection;
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs one invocation and returns its exit code (for tests). */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new BatonCli());
    Commands.register(cli, args);
    cli.setParameterExceptionHandler((e, a) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("baton: " + e.getMessage());
      err.println("See '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
      return EXIT_USAGE;
    });
    cli.setExecutionExceptionHandler((e, c, p) -> report(c.getErr(), e));
    return cli.execute(args);
  }

  private static int report(PrintWriter err, Exception e) {
    switch (e) {
      case UsageError u -> {
        err.println("baton: " + u.getMessage());
        return EXIT_USAGE;
      }
      case StatusRuntimeException s -> err.println("Error: " + describe(s.getStatus()));
      case NodeException n -> err.println("Error: " + n.getMessage());
      default -> {
        err.println("Error: internal error (" + e.getClass().getSimpleName() + "): " + e.getMessage());
        if (System.getenv("BATON_DEBUG") != null) {
          e.printStackTrace(err);
        }
      }
    }
    return EXIT_ERROR;
  }

  private static String describe(Status status) {
    String description = status.getDescription();
    if (description == null || description.isBlank()) {
      Throwable cause = status.getCause();
      description = cause != null && cause.getMessage() != null
          ? cause.getMessage() : status.getCode().toString().toLowerCase(java.util.Locale.ROOT);
    }
    return switch (status.getCode()) {
      case UNAVAILABLE -> "cannot reach the manager: " + description;
      case DEADLINE_EXCEEDED -> "the manager did not answer in time: " + description;
      default -> description;
    };
  }
}
