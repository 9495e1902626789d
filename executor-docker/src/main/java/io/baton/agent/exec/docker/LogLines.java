package io.baton.agent.exec.docker;

import io.baton.agent.exec.LogBuffer;
import io.baton.agent.exec.LogLine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reassembles one output stream of a container, which dockerd delivers in frames cut anywhere, into
 * lines appended to the task's {@link LogBuffer}. Lines are split at {@code \n} (a trailing {@code
 * \r} is dropped) and at {@link #MAX_LINE_BYTES}, so a workload printing without newlines cannot
 * make the agent hold an unbounded line. Bytes are decoded as UTF-8, invalid sequences replaced.
 *
 * <p>Not thread-safe: one instance per stream, fed from the log callback's thread.
 */
final class LogLines {
  /** Longest line kept whole: Docker's json-file driver splits at 16 KiB too. */
  static final int MAX_LINE_BYTES = 16 * 1024;

  private final LogLine.Source source;
  private final LogBuffer logs;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();

  LogLines(LogLine.Source source, LogBuffer logs) {
    this.source = source;
    this.logs = logs;
  }

  void feed(byte[] bytes) {
    for (byte b : bytes) {
      if (b == '\n') {
        emit();
      } else {
        if (line.size() == MAX_LINE_BYTES) {
          emit();
        }
        line.write(b);
      }
    }
  }

  /** Emits what is left after the stream ended without a final newline. */
  void flush() {
    if (line.size() > 0) {
      emit();
    }
  }

  private void emit() {
    byte[] bytes = line.toByteArray();
    int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
    logs.append(source, new String(bytes, 0, end, StandardCharsets.UTF_8));
    line.reset();
  }
}
