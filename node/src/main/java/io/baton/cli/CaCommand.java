package io.baton.cli;

import io.baton.api.ClusterInfo;
import io.baton.api.ControlGrpc;
import io.baton.api.GetClusterRequest;
import io.baton.api.RootRotationPendingNode;
import io.baton.api.RootRotationProgress;
import io.baton.api.UpdateClusterRequest;
import io.baton.cli.transport.CliTransport;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code baton ca [--rotate [--detach]] [--cert-expiry D]}: prints the root CA certificate (on
 * stdout, so it can be redirected to a file), optionally changing node certificate validity or
 * rotating the root. A rotation in progress, and an external CA, are named on stderr; {@code
 * --rotate} waits for the rotation to finish, like docker's {@code swarm ca --rotate}, unless
 * {@code --detach}. Ctrl-C only stops the waiting; the rotation goes on.
 */
@Command(name = "ca", description = "Show the root CA certificate; rotate it; set the validity of node certificates.")
final class CaCommand implements Callable<Integer> {
  private static final Duration POLL = Duration.ofMillis(500);
  private static final int SHOWN_PENDING = 5;

  @Spec CommandSpec spec;

  @Option(names = "--cert-expiry", paramLabel = "DURATION",
      description = "Validity of node certificates issued from now on (at least 1h).")
  String certExpiry;

  @Option(names = "--rotate", description = "Rotate the root CA: every node moves to a certificate of a new root.")
  boolean rotate;

  @Option(names = {"-d", "--detach"}, description = "With --rotate: exit at once instead of waiting for the rotation.")
  boolean detach;

  @Override
  public Integer call() throws InterruptedException {
    if (detach && !rotate) {
      throw new UsageError("--detach goes with --rotate");
    }
    try (CliTransport transport = BatonCli.connection(spec).open()) {
      ClusterInfo cluster;
      if (certExpiry == null && !rotate) {
        cluster = transport.unary(ControlGrpc.getGetClusterMethod(), GetClusterRequest.getDefaultInstance());
      } else {
        var request = UpdateClusterRequest.newBuilder().setRotateRootCa(rotate);
        if (certExpiry != null) {
          request.setNodeCertExpirySeconds(Durations.parse("--cert-expiry", certExpiry).toSeconds());
        }
        cluster = transport.unary(ControlGrpc.getUpdateClusterMethod(), request.build());
      }
      if (rotate && !detach) {
        cluster = awaitRotation(transport, cluster, System.err);
      } else if (cluster.hasRootRotation()) {
        System.err.println(progressLine(cluster.getRootRotation()));
      }
      System.out.print(cluster.getRootCaCertPem());
      if (!cluster.getExternalCaUrl().isEmpty()) {
        // On stderr, so that stdout stays a PEM file.
        System.err.println("Node certificates are signed by the external CA cfssl=" + cluster.getExternalCaUrl()
            + "; no manager holds this root's key.");
      }
      return 0;
    }
  }

  /** Polls until the rotation in {@code cluster} finished, printing progress when it changes. */
  private static ClusterInfo awaitRotation(CliTransport transport, ClusterInfo cluster, PrintStream out)
      throws InterruptedException {
    String last = "";
    while (cluster.hasRootRotation()) {
      String line = progressLine(cluster.getRootRotation());
      if (!line.equals(last)) {
        out.println(line);
        last = line;
      }
      Thread.sleep(POLL.toMillis());
      cluster = transport.unary(ControlGrpc.getGetClusterMethod(), GetClusterRequest.getDefaultInstance());
    }
    out.println("root CA rotated: every node holds a certificate of the new root, the old root is no longer"
        + " trusted, and the join tokens were replaced (see 'baton join-token')");
    return cluster;
  }

  private static String progressLine(RootRotationProgress progress) {
    String line = "root CA rotation in progress: " + progress.getNodesDone() + " out of " + progress.getNodesTotal()
        + " nodes hold a certificate of the new root";
    if (progress.getPendingCount() == 0) {
      return line + "; finishing";
    }
    String waiting = progress.getPendingList().stream().limit(SHOWN_PENDING)
        .map(CaCommand::describe)
        .collect(Collectors.joining(", "));
    int more = progress.getPendingCount() - SHOWN_PENDING;
    return line + "; waiting for " + waiting + (more > 0 ? " and " + more + " more" : "");
  }

  private static String describe(RootRotationPendingNode node) {
    String name = node.getHostname().isEmpty() ? node.getNodeId() : node.getHostname();
    String state = node.getState().name().replace("NODE_STATE_", "").toLowerCase(Locale.ROOT);
    return state.equals("ready") ? name : name + " (" + state + ")";
  }
}
