package io.baton.cli;

import io.baton.api.ClusterInfo;
import io.baton.api.ControlGrpc;
import io.baton.api.UpdateClusterRequest;
import io.baton.cli.transport.CliTransport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code baton cluster update --cert-expiry D}: cluster-wide settings (docker's swarm update). */
@Command(name = "cluster", description = "Manage the cluster's settings.", subcommands = ClusterCommand.Update.class)
final class ClusterCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing command: use update");
  }

  @Command(name = "update", description = "Update the cluster's settings.")
  static final class Update implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--cert-expiry", paramLabel = "DURATION",
        description = "Validity of node certificates issued from now on (at least 1h).")
    String certExpiry;

    @Override
    public Integer call() {
      if (certExpiry == null) {
        throw new UsageError("nothing to update: give --cert-expiry");
      }
      long seconds = Durations.parse("--cert-expiry", certExpiry).toSeconds();
      if (seconds < 3600) {
        throw new UsageError("invalid --cert-expiry '" + certExpiry + "': the minimum is 1h");
      }
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        ClusterInfo cluster = transport.unary(ControlGrpc.getUpdateClusterMethod(),
            UpdateClusterRequest.newBuilder().setNodeCertExpirySeconds(seconds).build());
        System.out.println(cluster.getId());
        return 0;
      }
    }
  }
}
