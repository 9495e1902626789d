package io.baton.cli.transport;

import com.google.protobuf.StringValue;
import java.nio.file.Path;

/**
 * A minimal local CLI call for the child-JVM check: one unary Say over the control socket named by
 * the first argument; prints the answer and exits 0, or prints the failure and exits 1. Without an
 * argument it only starts and exits, as a baseline for the JVM's own start-up.
 */
public final class LocalCallMain {
  private LocalCallMain() {}

  public static void main(String[] args) {
    if (args.length == 0) {
      System.exit(0);
    }
    try (CliTransport transport = LocalSocketTransport.connect(Path.of(args[0]))) {
      System.out.println(transport.unary(EchoMethods.SAY, StringValue.of("from a child JVM")).getValue());
    } catch (RuntimeException e) {
      System.out.println("failed: " + e);
      System.exit(1);
    }
    System.exit(0);
  }
}
