package io.baton.cli;

import io.baton.node.BatonNode;
import io.baton.node.NodeException;
import io.baton.node.NodeSettings;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a node in the foreground until the process gets SIGTERM or SIGINT, then stops it cleanly.
 * {@code bin/baton} execs the JVM, so the signal reaches this process directly.
 */
final class NodeRunner {
  /** Creates and starts the node. */
  @FunctionalInterface
  interface Starter {
    BatonNode start(NodeSettings settings) throws NodeException;
  }

  private NodeRunner() {}

  static int run(Starter starter, java.util.function.Consumer<BatonNode> announce) throws NodeException {
    BatonNode node = starter.start(NodeSettings.defaults());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "baton-shutdown"));
    announce.accept(node);
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
