package io.baton.agent.exec.process;

import io.baton.agent.exec.LogBuffer;
import io.baton.agent.exec.LogLine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Copies one output stream of a task's process into its {@link LogBuffer}, line by line, until the
 * stream ends. Lines are split at {@code \n} (a trailing {@code \r} is dropped) and at {@link
 * #MAX_LINE_BYTES}, so that a process printing without newlines cannot make the agent hold an
 * unbounded line. Bytes are decoded as UTF-8, invalid sequences replaced.
 */
final class OutputPump implements Runnable {
  /** Longest line kept whole: Docker's json-file driver splits at 16 KiB too. */
  static final int MAX_LINE_BYTES = 16 * 1024;

  private static final int READ_CHUNK = 8 * 1024;

  private final InputStream in;
  private final LogLine.Source source;
  private final LogBuffer logs;

  OutputPump(InputStream in, LogLine.Source source, LogBuffer logs) {
    this.in = in;
    this.source = source;
    this.logs = logs;
  }

  @Override
  public void run() {
    byte[] chunk = new byte[READ_CHUNK];
    byte[] line = new byte[MAX_LINE_BYTES];
    int length = 0;
    try (in) {
      int read;
      while ((read = in.read(chunk)) >= 0) {
        for (int i = 0; i < read; i++) {
          byte b = chunk[i];
          if (b == '\n') {
            emit(line, length);
            length = 0;
          } else {
            if (length == MAX_LINE_BYTES) {
              emit(line, length);
              length = 0;
            }
            line[length++] = b;
          }
        }
      }
    } catch (IOException e) {
      // The stream was closed under us (task removed): what was read is kept below.
    } finally {
      if (length > 0) {
        emit(line, length);
      }
    }
  }

  private void emit(byte[] line, int length) {
    int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
    logs.append(source, new String(line, 0, end, StandardCharsets.UTF_8));
  }
}
