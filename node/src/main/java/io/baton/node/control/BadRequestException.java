package io.baton.node.control;

import io.grpc.Status;

/**
 * A request frame the control socket refuses. {@link #reply()} is the status to send back before
 * closing the connection, or null to close without an answer (garbage framing).
 */
final class BadRequestException extends Exception {
  private final transient Status reply;

  BadRequestException(String reason, Status reply) {
    super(reason, null, false, false);
    this.reply = reply;
  }

  Status reply() {
    return reply;
  }
}
