package io.baton.cli;

import java.util.List;
import java.util.Set;
import picocli.CommandLine;

/**
 * The top-level commands, registered lazily: picocli builds a command's model by reflection when it
 * is added, so an invocation adds only the command it names (all of them for help or an unknown
 * word). This keeps a local call such as {@code node ls} within its start-up budget.
 */
final class Commands {
  private static final List<String> NAMES =
      List.of("init", "join", "start", "join-token", "node", "service", "cluster", "ca", "version", "help");
  /** Global options that take a value, so their value is not mistaken for the command word. */
  private static final Set<String> OPTIONS_WITH_VALUE =
      Set.of("--state-dir", "-H", "--host", "--tlscacert", "--tlscert", "--tlskey");

  private Commands() {}

  static void register(CommandLine cli, String[] args) {
    String word = commandWord(args);
    if (NAMES.contains(word) && !"help".equals(word)) {
      cli.addSubcommand(word, create(word));
    } else {
      for (String name : NAMES) {
        cli.addSubcommand(name, create(name));
      }
    }
    CommandLine service = cli.getSubcommands().get("service");
    if (service != null) {
      // Everything after the image is the task's command line, options included (docker's rule).
      service.getSubcommands().get("create").setStopAtPositional(true);
    }
  }

  private static Object create(String name) {
    return switch (name) {
      case "init" -> new InitCommand();
      case "join" -> new JoinCommand();
      case "start" -> new StartCommand();
      case "join-token" -> new JoinTokenCommand();
      case "node" -> new NodeCommand();
      case "service" -> new ServiceCommand();
      case "cluster" -> new ClusterCommand();
      case "ca" -> new CaCommand();
      case "version" -> new VersionCommand();
      default -> new CommandLine.HelpCommand();
    };
  }

  private static String commandWord(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (OPTIONS_WITH_VALUE.contains(arg)) {
        i++;
      } else if (!arg.startsWith("-")) {
        return arg;
      }
    }
    return "";
  }
}
