package io.baton.cli;

import io.baton.cli.transport.CliTransport;
import io.baton.cli.transport.GrpcTransport;
import io.baton.cli.transport.LocalSocketTransport;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Where an administration command goes: the local node's control socket ({@code --state-dir}), or
 * a manager over mutual TLS ({@code -H tcp://HOST:PORT} with certificate files, docker-style).
 * Declared once on the top command and inherited by every subcommand, so it may be given before or
 * after the command words.
 */
public final class ConnectionOptions {
  @Option(names = "--state-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
      defaultValue = "${env:BATON_STATE_DIR}",
      description = "State directory of the local node (default: $BATON_STATE_DIR).")
  Path stateDir;

  @Option(names = {"-H", "--host"}, scope = ScopeType.INHERIT, paramLabel = "tcp://HOST:PORT",
      description = "Manager to talk to over mutual TLS instead of the local control socket.")
  String host;

  @Option(names = "--tlscacert", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Root CA certificate to trust (with -H).")
  Path tlsCaCert;

  @Option(names = "--tlscert", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Client certificate (with -H).")
  Path tlsCert;

  @Option(names = "--tlskey", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Client private key (with -H).")
  Path tlsKey;

  /** The state dir a node command (init, join, start) works in. */
  Path requireStateDir() {
    if (stateDir == null) {
      throw new UsageError("--state-dir DIR is required (or set BATON_STATE_DIR)");
    }
    return stateDir;
  }

  /** Opens the transport these options name. The caller closes it. */
  CliTransport open() {
    if (host != null) {
      if (tlsCaCert == null || tlsCert == null || tlsKey == null) {
        throw new UsageError("-H needs --tlscacert, --tlscert and --tlskey");
      }
      String address = host.startsWith("tcp://") ? host.substring("tcp://".length()) : host;
      if (address.isEmpty() || address.contains("/")) {
        throw new UsageError("invalid -H '" + host + "': expected tcp://HOST:PORT");
      }
      return GrpcTransport.connect(address, tlsCaCert, tlsCert, tlsKey);
    }
    if (stateDir == null) {
      throw new UsageError("say which node to talk to: --state-dir DIR (local node) or -H tcp://HOST:PORT"
          + " with --tlscacert/--tlscert/--tlskey");
    }
    return LocalSocketTransport.connect(stateDir.resolve("control.sock"));
  }
}
