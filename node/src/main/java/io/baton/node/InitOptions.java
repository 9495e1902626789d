package io.baton.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What {@code baton init} was asked for. Addresses are {@code HOST:PORT} text as typed; a null
 * advertise address means "the listen address" and a null raft address means "listen port + 1".
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
    boolean joinApproval) {

  /** Options without join approval. */
  public InitOptions(Path stateDir, String listenAddr, String advertiseAddr, String raftAddr, Duration certExpiry,
      Duration heartbeatPeriod, String executor, Map<String, String> labels, boolean autolock) {
    this(stateDir, listenAddr, advertiseAddr, raftAddr, certExpiry, heartbeatPeriod, executor, labels, autolock,
        false);
  }
}
