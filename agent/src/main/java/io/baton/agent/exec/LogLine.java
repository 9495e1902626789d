package io.baton.agent.exec;

import java.time.Instant;
import java.util.Objects;

/**
 * One line of a task's output.
 *
 * @param sequence position in the task's output, from 0, without gaps (evicted lines keep theirs)
 * @param time when the agent read the line
 * @param source which stream the line came from
 * @param text the line without its line terminator
 */
public record LogLine(long sequence, Instant time, Source source, String text) {
  public LogLine {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(text, "text");
  }

  /** The stream a line was written to. */
  public enum Source {
    STDOUT,
    STDERR
  }
}
