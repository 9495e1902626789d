package io.baton.cli;

import io.baton.node.BatonNode;
import io.baton.node.NodeException;
import io.baton.node.NodeSettings;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a node in the foreground until the process gets SIGTERM or SIGINT, then stops it cleanly,
 * or until the cluster removes the node, which then fails with the node's message.
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
    java.util.concurrent.atomic.AtomicReference<String> removed = new java.util.concurrent.atomic.AtomicReference<>();
    node.removal().thenAccept(message -> {
      removed.set(message);
      stopped.countDown();
    });
    announce.accept(node);
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (removed.get() != null) {
      throw new NodeException(removed.get());
    }
    return 0;
  }
}
