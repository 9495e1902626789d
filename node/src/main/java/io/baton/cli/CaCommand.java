package io.baton.cli;

import io.baton.api.ClusterInfo;
import io.baton.api.ControlGrpc;
import io.baton.api.GetClusterRequest;
import io.baton.api.UpdateClusterRequest;
import io.baton.cli.transport.CliTransport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code baton ca [--cert-expiry D]}: prints the root CA certificate, optionally changing node
 * certificate validity; with an external CA, also names it (on stderr).
 */
@Command(name = "ca", description = "Show the root CA certificate; set the validity of node certificates.")
final class CaCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--cert-expiry", paramLabel = "DURATION",
      description = "Validity of node certificates issued from now on (at least 1h).")
  String certExpiry;

  @Option(names = "--rotate", description = "Rotate the root CA.")
  boolean rotate;

  @Override
  public Integer call() {
    if (rotate) {
      throw new UsageError("--rotate is not available in this version yet");
    }
    try (CliTransport transport = BatonCli.connection(spec).open()) {
      ClusterInfo cluster = certExpiry == null
          ? transport.unary(ControlGrpc.getGetClusterMethod(), GetClusterRequest.getDefaultInstance())
          : transport.unary(ControlGrpc.getUpdateClusterMethod(), UpdateClusterRequest.newBuilder()
              .setNodeCertExpirySeconds(Durations.parse("--cert-expiry", certExpiry).toSeconds())
              .build());
      System.out.print(cluster.getRootCaCertPem());
      if (!cluster.getExternalCaUrl().isEmpty()) {
        // On stderr, so that stdout stays a PEM file.
        System.err.println("Node certificates are signed by the external CA cfssl=" + cluster.getExternalCaUrl()
            + "; no manager holds this root's key.");
      }
      return 0;
    }
  }
}
