package io.baton.it;

import io.baton.cli.BatonCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the baton CLI in this JVM and captures what it prints. Not for node commands (they block). */
public final class Cli {
  public record Result(int exitCode, String out, String err) {}

  private Cli() {}

  /** {@link #run} with {@code stdin} as standard input. */
  public static synchronized Result runWithInput(String stdin, String... args) {
    java.io.InputStream oldIn = System.in;
    try {
      System.setIn(new java.io.ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      return run(args);
    } finally {
      System.setIn(oldIn);
    }
  }

  public static synchronized Result run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(ofThisThread(out, oldOut), true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(ofThisThread(err, oldErr), true, StandardCharsets.UTF_8));
      int code = BatonCli.execute(args);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /**
   * Captures what the calling thread prints; what other threads print meanwhile (the logs of the
   * in-process nodes of this and earlier tests, e.g. a Raft peer's delayed warnings) goes on to
   * {@code others}.
   */
  private static OutputStream ofThisThread(ByteArrayOutputStream captured, OutputStream others) {
    Thread caller = Thread.currentThread();
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (Thread.currentThread() == caller) {
          captured.write(b, off, len);
        } else {
          others.write(b, off, len);
        }
      }

      @Override
      public void flush() throws IOException {
        others.flush();
      }
    };
  }
}
