package io.baton.cli.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.node.control.EchoNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs one local call in a fresh JVM, against a node served by this JVM, and checks that the client
 * path loads no Netty, no TLS, no gRPC core/in-process and no node code (DESIGN §6). Prints the
 * child's wall time; the 150 ms budget is measured, not asserted, because timed tests are flaky.
 */
@Timeout(120)
class LocalCallClassLoadingTest {
  private static final Pattern FORBIDDEN = Pattern.compile(
      "\\] (io\\.netty\\.|io\\.grpc\\.netty\\.|javax\\.net\\.ssl\\.|sun\\.security\\.ssl\\.|io\\.grpc\\.internal\\."
          + "|io\\.grpc\\.inprocess\\.|io\\.grpc\\.stub\\.|io\\.baton\\.node\\.)");
  private static final List<String> CLI_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");
  private static final int TIMED_RUNS = 5;

  @TempDir Path dir;

  @Test
  void childJvmLocalCallLoadsNoNettyTlsOrServerCode() throws Exception {
    Path socket = dir.resolve("control.sock");
    try (EchoNode node = EchoNode.start(socket)) {
      Child traced = runChild(socket, List.of("-Xlog:class+load=info"));
      assertThat(traced.exitCode).as(traced.output).isZero();
      assertThat(traced.output).contains("echo: from a child JVM");
      assertThat(traced.output).as("the class-load log format the check relies on")
          .containsPattern("\\] io\\.grpc\\.Status ").containsPattern("\\] io\\.baton\\.cli\\.transport\\.LocalCall ");
      List<String> forbidden = traced.output.lines().filter(l -> FORBIDDEN.matcher(l).find()).toList();
      assertThat(forbidden).as("classes the local client path must not load").isEmpty();
      long loaded = traced.output.lines().filter(l -> l.contains("[class,load]")).count();

      long defaultFlags = medianWallMillis(socket, List.of());
      long cliFlags = medianWallMillis(socket, CLI_FLAGS);
      long baseline = medianWallMillis(null, CLI_FLAGS);
      System.out.printf("child JVM, one local unary call: %d classes loaded; median wall of %d runs:"
          + " %d ms with default flags, %d ms with the CLI's flags %s (an empty main with those flags: %d ms)%n",
          loaded, TIMED_RUNS, defaultFlags, cliFlags, CLI_FLAGS, baseline);
    }
  }

  private long medianWallMillis(Path socket, List<String> flags) throws Exception {
    List<Long> walls = new ArrayList<>();
    for (int i = 0; i < TIMED_RUNS; i++) {
      Child child = runChild(socket, flags);
      assertThat(child.exitCode).as(child.output).isZero();
      assertThat(child.output).contains(socket == null ? "" : "echo: from a child JVM");
      walls.add(child.wallMillis);
    }
    walls.sort(null);
    System.out.println("child JVM wall times " + (socket == null ? "(empty main) " : "") + flags + ": " + walls + " ms");
    return walls.get(TIMED_RUNS / 2);
  }

  private Child runChild(Path socket, List<String> flags) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(flags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.add(LocalCallMain.class.getName());
    if (socket != null) {
      command.add(socket.toString());
    }
    Path log = Files.createTempFile(dir, "child", ".log");
    long start = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the child JVM did not finish within 60 s");
    }
    long wallMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    return new Child(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8), wallMillis);
  }

  private record Child(int exitCode, String output, long wallMillis) {}
}
