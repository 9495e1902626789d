package io.baton.cli;

import io.baton.api.ClusterInfo;
import io.baton.api.ControlGrpc;
import io.baton.api.GetClusterRequest;
import io.baton.api.GetUnlockKeyRequest;
import io.baton.api.Toggle;
import io.baton.api.UpdateClusterRequest;
import io.baton.cli.transport.CliTransport;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code baton cluster inspect|update}: the cluster-wide settings. */
@Command(name = "cluster", description = "Show or change cluster-wide settings.",
    subcommands = {ClusterCommand.Inspect.class, ClusterCommand.Update.class})
final class ClusterCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  static String json(ClusterInfo c) {
    return Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("id", c.getId());
      g.writeStringField("createdAt", Instant.ofEpochMilli(c.getCreatedAtMs()).toString());
      g.writeStringField("certExpiry", Durations.format(Duration.ofSeconds(c.getSpec().getNodeCertExpirySeconds())));
      g.writeNumberField("heartbeatPeriodMs", c.getSpec().getHeartbeatPeriodMs());
      g.writeBooleanField("autolock", c.getSpec().getAutolock());
      g.writeBooleanField("joinApproval", c.getSpec().getJoinApproval());
      g.writeNumberField("dataKey", c.getCurrentDataKey());
      g.writeNumberField("dataKeys", c.getDataKeyCount());
      g.writeStringField("rootCaDigest", c.getRootCaDigest());
      if (!c.getExternalCaUrl().isEmpty()) {
        g.writeStringField("externalCa", "cfssl=" + c.getExternalCaUrl());
      }
      g.writeEndObject();
    });
  }

  @Command(name = "inspect", description = "Show the cluster's settings as JSON.")
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--format", paramLabel = "json", defaultValue = "json", description = "Output format (json).")
    String format;

    @Override
    public Integer call() {
      OutputFormat.requireJson(format, "cluster inspect");
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        System.out.println(json(transport.unary(ControlGrpc.getGetClusterMethod(), GetClusterRequest.getDefaultInstance())));
      }
      return 0;
    }
  }

  @Command(name = "update", description = "Change cluster-wide settings.")
  static final class Update implements Callable<Integer> {
    /** Shortest node certificate validity; the control API refuses less too. */
    private static final long MIN_CERT_EXPIRY_SECONDS = 3600;

    @Spec CommandSpec spec;

    @Option(names = "--autolock", paramLabel = "true|false",
        description = "Lock restarted managers until they are given the unlock key.")
    String autolock;

    @Option(names = "--join-approval", paramLabel = "true|false",
        description = "Joined nodes wait until 'baton node accept'; false admits no node already waiting.")
    String joinApproval;

    @Option(names = "--cert-expiry", paramLabel = "DURATION",
        description = "Validity of node certificates issued from now on (at least 1h).")
    String certExpiry;

    @Option(names = "--rotate-data-key",
        description = "Encrypt everything the store writes from now on under a new data key.")
    boolean rotateDataKey;

    @Override
    public Integer call() {
      UpdateClusterRequest.Builder request = UpdateClusterRequest.newBuilder().setRotateDataKey(rotateDataKey);
      if (autolock != null) {
        request.setAutolock(toggle("--autolock", autolock));
      }
      if (joinApproval != null) {
        request.setJoinApproval(toggle("--join-approval", joinApproval));
      }
      if (certExpiry != null) {
        long seconds = Durations.parse("--cert-expiry", certExpiry).toSeconds();
        if (seconds < MIN_CERT_EXPIRY_SECONDS) {
          throw new UsageError("invalid --cert-expiry '" + certExpiry + "': the minimum is 1h");
        }
        request.setNodeCertExpirySeconds(seconds);
      }
      if (autolock == null && joinApproval == null && certExpiry == null && !rotateDataKey) {
        throw new UsageError(
            "nothing to update: give --autolock, --join-approval, --cert-expiry or --rotate-data-key");
      }
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        ClusterInfo before = transport.unary(ControlGrpc.getGetClusterMethod(), GetClusterRequest.getDefaultInstance());
        ClusterInfo after = transport.unary(ControlGrpc.getUpdateClusterMethod(), request.build());
        System.out.println("Cluster updated.");
        if (after.getSpec().getAutolock() && !before.getSpec().getAutolock()) {
          System.out.println();
          UnlockKeyCommand.printInstructions(
              transport.unary(ControlGrpc.getGetUnlockKeyMethod(), GetUnlockKeyRequest.getDefaultInstance())
                  .getUnlockKey());
        }
      }
      return 0;
    }

    private static Toggle toggle(String option, String value) {
      return switch (value) {
        case "true" -> Toggle.TOGGLE_ON;
        case "false" -> Toggle.TOGGLE_OFF;
        default -> throw new UsageError(option + " takes true or false, got '" + value + "'");
      };
    }
  }
}
