package io.baton.bench;

import io.baton.ca.ClusterTrustManager;
import io.baton.ca.Credentials;
import io.baton.ca.ManagerChannels;
import io.baton.ca.NodeKeyManager;
import io.baton.ca.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the benchmarks read from a node's state dir (DESIGN §5): its node id and its credentials. */
final class StateDirs {
  private static final Pattern NODE_ID = Pattern.compile("\"nodeId\"\\s*:\\s*\"([0-9a-z]+)\"");

  private StateDirs() {}

  /** The node id in a state dir's node.json. */
  static String nodeId(Path stateDir) {
    try {
      Matcher m = NODE_ID.matcher(Files.readString(stateDir.resolve("node.json")));
      if (!m.find()) {
        throw new BenchException("no nodeId in " + stateDir.resolve("node.json"));
      }
      return m.group(1);
    } catch (IOException e) {
      throw new BenchException("cannot read " + stateDir.resolve("node.json") + ": " + e.getMessage());
    }
  }

  /** Channels authenticated with a manager's own certificate, as an operator's -H client. */
  static ManagerChannels clientChannels(Path stateDir) {
    try {
      Credentials credentials = new Credentials(
          Pem.decodePrivateKey(Files.readString(stateDir.resolve("certificates/node.key"))),
          Pem.decodeCertificates(Files.readString(stateDir.resolve("certificates/node.crt"))));
      var roots = Pem.decodeCertificates(Files.readString(stateDir.resolve("certificates/root-ca.crt")));
      var trust = new ClusterTrustManager(credentials.identity().clusterId(), roots, Clock.systemUTC());
      return new ManagerChannels(new NodeKeyManager(credentials).keyManager(), trust);
    } catch (IOException | GeneralSecurityException e) {
      throw new BenchException("cannot read the credentials in " + stateDir + ": " + e.getMessage());
    }
  }
}
