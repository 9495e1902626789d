package io.baton.node;

import io.baton.ca.CfsslEndpoint;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;

/**
 * What {@code baton init} was asked for. Addresses are {@code HOST:PORT} text as typed; a null
 * advertise address means "the listen address" and a null raft address means "listen port + 1".
 * A null external CA means the managers make and keep the cluster's own root.
 *
 * @param joinApproval nodes that join wait for {@code baton node accept}
 */
public record InitOptions(
    Path stateDir,
    String listenAddr,
    String advertiseAddr,
    String raftAddr,
    Duration certExpiry,
    Duration heartbeatPeriod,
    String executor,
    Map<String, String> labels,
    boolean autolock,
    ExternalCa externalCa,
    boolean joinApproval) {
  /** Options without an external CA and without join approval. */
  public InitOptions(Path stateDir, String listenAddr, String advertiseAddr, String raftAddr, Duration certExpiry,
      Duration heartbeatPeriod, String executor, Map<String, String> labels, boolean autolock) {
    this(stateDir, listenAddr, advertiseAddr, raftAddr, certExpiry, heartbeatPeriod, executor, labels, autolock, null,
        false);
  }

  /**
   * An operator's CFSSL that signs node certificates ({@code --external-ca}).
   *
   * @param root the root it must sign with ({@code --external-ca-cert}), or null to take the
   *     certificate the CFSSL reports (plain http only)
   */
  public record ExternalCa(CfsslEndpoint endpoint, X509Certificate root) {}
}
