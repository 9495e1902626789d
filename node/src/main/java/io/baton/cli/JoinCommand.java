package io.baton.cli;

import io.baton.node.BatonNode;
import io.baton.node.JoinOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code baton join}: joins a cluster with a token and runs the node. */
@Command(name = "join", description = "Join a cluster as a worker or manager (the token decides), and run the node.")
final class JoinCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--token", required = true, paramLabel = "TOKEN", description = "Join token (BTNTKN-1-...).")
  String token;

  @Parameters(index = "0", paramLabel = "MANAGER_HOST:PORT", description = "A manager of the cluster.")
  String manager;

  @Option(names = "--listen-addr", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:4242",
      description = "Address to listen on if this node becomes a manager (default: ${DEFAULT-VALUE}).")
  String listenAddr;

  @Option(names = "--advertise-addr", paramLabel = "HOST:PORT", description = "Address other nodes reach this node at.")
  String advertiseAddr;

  @Option(names = "--executor", paramLabel = "docker|process|auto", defaultValue = Executors.DEFAULT,
      description = Executors.DESCRIPTION)
  String executor;

  @Option(names = "--fence-after", paramLabel = "DURATION",
      description = "Stop all tasks when this node had no live session with the managers for this long; "
          + "keep it plus the tasks' stop grace below 3 heartbeat periods, when managers mark a node down "
          + "and move its tasks (off by default).")
  String fenceAfter;

  @Override
  public Integer call() throws Exception {
    Executors.check(executor);
    java.time.Duration fence = fenceAfter == null ? null : Durations.parse("--fence-after", fenceAfter);
    if (fence != null && fence.toMillis() < 1_000) {
      throw new UsageError("--fence-after must be at least 1s");
    }
    JoinOptions options = new JoinOptions(BatonCli.connection(spec).requireStateDir(), token, manager, listenAddr,
        advertiseAddr == null ? listenAddr : advertiseAddr, executor, fence);
    return NodeRunner.run(settings -> BatonNode.join(options, settings), node -> {
      System.out.println("This node joined the cluster as a " + node.identity().role().ou().replace("baton-", "")
          + " (node id " + node.identity().nodeId() + ").");
      System.out.flush();
    });
  }
}
