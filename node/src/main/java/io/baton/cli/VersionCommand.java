package io.baton.cli;

import io.baton.node.BatonVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** {@code baton version}: prints the client version and the Java runtime. */
@Command(name = "version", description = "Show the baton version.")
final class VersionCommand implements Runnable {
  @Override
  public void run() {
    for (String line : lines()) {
      System.out.println(line);
    }
  }

  static String[] lines() {
    return new String[] {
      "baton version " + BatonVersion.get(),
      "java " + Runtime.version() + " (" + System.getProperty("java.vendor", "") + ")"
    };
  }

  /** The same text for {@code --version}. */
  static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return lines();
    }
  }
}
