package io.baton.cli;

import io.baton.node.BatonNode;
import io.baton.node.InitOptions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code baton init}: creates a cluster with this node as its first manager and runs it. */
@Command(name = "init", description = "Create a new cluster with this node as its first manager, and run the node.")
final class InitCommand implements Callable<Integer> {
  private static final Duration MIN_CERT_EXPIRY = Duration.ofHours(1);

  @Spec CommandSpec spec;

  @Option(names = "--listen-addr", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:4242",
      description = "Address the manager listens on (default: ${DEFAULT-VALUE}).")
  String listenAddr;

  @Option(names = "--advertise-addr", paramLabel = "HOST:PORT",
      description = "Address other nodes reach this manager at (default: the listen address).")
  String advertiseAddr;

  @Option(names = "--raft-listen-addr", paramLabel = "HOST:PORT",
      description = "Address of the Raft port (default: listen port + 1).")
  String raftAddr;

  @Option(names = "--cert-expiry", paramLabel = "DURATION", defaultValue = "24h",
      description = "Validity of node certificates, at least 1h (default: ${DEFAULT-VALUE}).")
  String certExpiry;

  @Option(names = "--heartbeat-period", paramLabel = "DURATION", defaultValue = "5s", hidden = true)
  String heartbeatPeriod;

  @Option(names = "--executor", paramLabel = "docker|process|auto", defaultValue = Executors.DEFAULT,
      description = Executors.DESCRIPTION)
  String executor;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Node label (repeatable).")
  Map<String, String> labels = new LinkedHashMap<>();

  @Option(names = "--autolock", description = "Lock the managers' keys with an unlock key.")
  boolean autolock;

  @Option(names = "--join-approval",
      description = "Joined nodes wait, doing nothing, until a manager runs 'baton node accept'.")
  boolean joinApproval;

  @Option(names = "--external-ca", paramLabel = "cfssl=URL", description = "Sign node certificates with an external CFSSL.")
  String externalCa;

  @Override
  public Integer call() throws Exception {
    if (externalCa != null) {
      throw new UsageError("--external-ca is not available in this version yet");
    }
    Executors.check(executor);
    Duration expiry = Durations.parse("--cert-expiry", certExpiry);
    if (expiry.compareTo(MIN_CERT_EXPIRY) < 0) {
      throw new UsageError("--cert-expiry must be at least 1h");
    }
    Duration heartbeat = Durations.parse("--heartbeat-period", heartbeatPeriod);
    InitOptions options = new InitOptions(BatonCli.connection(spec).requireStateDir(), listenAddr, advertiseAddr,
        raftAddr, expiry, heartbeat, executor, labels, autolock, joinApproval);
    return NodeRunner.run(settings -> BatonNode.init(options, settings), InitCommand::announce);
  }

  private static void announce(BatonNode node) {
    System.out.println("Cluster initialized: current node (" + node.identity().nodeId() + ") is now a manager.");
    System.out.println();
    System.out.println("To add a worker to this cluster, run the following command:");
    System.out.println();
    System.out.println("    " + node.workerJoinCommand());
    System.out.println();
    System.out.println("To add a manager to this cluster, run 'baton join-token manager' and follow the instructions.");
    if (node.initialUnlockKey() != null) {
      System.out.println();
      UnlockKeyCommand.printInstructions(node.initialUnlockKey().toString());
    }
    System.out.flush();
  }
}
