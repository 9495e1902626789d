package io.baton.agent.exec.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One-line, user-facing reasons from docker-java's exceptions, which carry dockerd's answer as
 * {@code Status 404: {"message":"..."}} or wrap the socket's {@code IOException} a few levels down.
 */
final class Reasons {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Reasons() {}

  static String of(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    int json = message.indexOf('{');
    if (json >= 0) {
      try {
        JsonNode node = JSON.readTree(message.substring(json));
        if (node.hasNonNull("message")) {
          message = node.get("message").asText();
        }
      } catch (java.io.IOException | RuntimeException e) {
        // not JSON after all: keep the text as it is
      }
    }
    return message.strip().replaceAll("\\s+", " ");
  }
}
