package io.baton.cli;

import io.baton.node.BatonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code baton start}: restarts an existing node from its state directory. */
@Command(name = "start", description = "Restart an existing node from its state directory.")
final class StartCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--executor", paramLabel = "docker|process|auto",
      description = "Change how this node runs tasks (kept for later starts; default: as it was).")
  String executor;

  @Override
  public Integer call() throws Exception {
    Executors.check(executor);
    var stateDir = BatonCli.connection(spec).requireStateDir();
    return NodeRunner.run(settings -> BatonNode.start(stateDir, settings, executor), node -> {
      System.out.println("Node " + node.identity().nodeId() + " started (" + node.identity().role().ou() + ").");
      System.out.flush();
    });
  }
}
