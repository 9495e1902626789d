package io.baton.node;

import java.nio.file.Path;

/** What {@code baton join} was asked for. */
public record JoinOptions(
    Path stateDir, String token, String managerAddr, String listenAddr, String advertiseAddr, String executor) {}
