package io.baton.node;

import java.nio.file.Path;

/**
 * What {@code baton join} was asked for.
 *
 * @param fenceAfter stop all tasks after this long without a manager; null: never
 */
public record JoinOptions(
    Path stateDir,
    String token,
    String managerAddr,
    String listenAddr,
    String advertiseAddr,
    String executor,
    java.time.Duration fenceAfter) {}
