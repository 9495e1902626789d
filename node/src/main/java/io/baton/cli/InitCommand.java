package io.baton.cli;

import io.baton.ca.CfsslEndpoint;
import io.baton.ca.Pem;
import io.baton.node.BatonNode;
import io.baton.node.InitOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
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

  @Option(names = "--external-ca", paramLabel = "cfssl=URL",
      description = "Sign node certificates with an operator's CFSSL server (cfssl serve); managers keep no root key.")
  String externalCa;

  @Option(names = "--external-ca-cert", paramLabel = "FILE",
      description = "The external CA's root certificate (PEM); required for https. Default: the CFSSL's own, fetched.")
  Path externalCaCert;

  @Option(names = "--external-ca-auth-key-file", paramLabel = "FILE",
      description = "Hex HMAC key of the CFSSL profile's auth key (auth_keys, type standard).")
  Path externalCaAuthKeyFile;

  @Override
  public Integer call() throws Exception {
    InitOptions.ExternalCa external = externalCa();
    Executors.check(executor);
    Duration expiry = Durations.parse("--cert-expiry", certExpiry);
    if (expiry.compareTo(MIN_CERT_EXPIRY) < 0) {
      throw new UsageError("--cert-expiry must be at least 1h");
    }
    Duration heartbeat = Durations.parse("--heartbeat-period", heartbeatPeriod);
    InitOptions options = new InitOptions(BatonCli.connection(spec).requireStateDir(), listenAddr, advertiseAddr,
        raftAddr, expiry, heartbeat, executor, labels, autolock, external, joinApproval);
    return NodeRunner.run(settings -> BatonNode.init(options, settings), InitCommand::announce);
  }

  /** The external CA options, checked; null without {@code --external-ca}. */
  private InitOptions.ExternalCa externalCa() {
    if (externalCa == null) {
      if (externalCaCert != null || externalCaAuthKeyFile != null) {
        throw new UsageError("--external-ca-cert and --external-ca-auth-key-file need --external-ca cfssl=URL");
      }
      return null;
    }
    try {
      byte[] authKey = externalCaAuthKeyFile == null
          ? null : CfsslEndpoint.decodeAuthKey(Files.readString(externalCaAuthKeyFile));
      CfsslEndpoint endpoint = CfsslEndpoint.parse(externalCa, authKey);
      X509Certificate root = null;
      if (externalCaCert != null) {
        List<X509Certificate> certs = Pem.decodeCertificates(Files.readString(externalCaCert));
        if (certs.size() != 1) {
          throw new UsageError("--external-ca-cert must hold exactly one certificate, the root");
        }
        root = certs.get(0);
      } else if (endpoint.usesTls()) {
        throw new UsageError("an https external CA needs --external-ca-cert FILE: baton verifies the CFSSL"
            + " server's TLS certificate against that root");
      }
      return new InitOptions.ExternalCa(endpoint, root);
    } catch (IllegalArgumentException e) {
      throw new UsageError(e.getMessage());
    } catch (IOException e) {
      throw new UsageError("cannot read " + e.getMessage());
    } catch (CertificateException e) {
      throw new UsageError("--external-ca-cert is not a PEM certificate: " + e.getMessage());
    }
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
