package io.baton.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What {@code baton init} was asked for. Addresses are {@code HOST:PORT} text as typed; a null
 * advertise address means "the listen address" and a null raft address means "listen port + 1".
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
    boolean autolock) {}
