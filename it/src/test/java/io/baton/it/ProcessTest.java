package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The real {@code bin/baton} launcher end to end: separate processes for a manager and a worker. */
@Timeout(300)
class ProcessTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stopProcesses() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void initJoinAndListNodesWithRealProcesses() throws Exception {
    Path dir = Files.createTempDirectory("baton-proc");
    int port = Ports.freePair();
    String addr = "127.0.0.1:" + port;
    Process manager = spawn(dir.resolve("manager.log"), "init", "--state-dir", dir.resolve("m").toString(),
        "--listen-addr", addr, "--advertise-addr", addr, "--executor", "process");
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300))
        .until(() -> run("--state-dir", dir.resolve("m").toString(), "node", "ls").exitCode == 0);
    assertThat(Files.readString(dir.resolve("manager.log"))).contains("baton join --state-dir DIR --token BTNTKN-1-");

    String token = run("--state-dir", dir.resolve("m").toString(), "join-token", "worker", "-q").out.strip();
    spawn(dir.resolve("worker.log"), "join", "--state-dir", dir.resolve("w").toString(), "--token", token, addr);
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).until(() -> {
      String json = run("--state-dir", dir.resolve("m").toString(), "node", "ls", "--format", "json").out;
      return json.split("\"status\" : \"ready\"", -1).length - 1 == 2;
    });
    assertThat(Files.getPosixFilePermissions(dir.resolve("m/control.sock")))
        .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    assertThat(dir.resolve("w/certificates/node.key")).exists();

    // SIGTERM stops the node cleanly and promptly.
    manager.destroy();
    assertThat(manager.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(manager.exitValue()).isIn(0, 143);
  }

  private record Result(int exitCode, String out) {}

  private Process spawn(Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(REPO.resolve("bin/baton").toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(p);
    return p;
  }

  private static Result run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(REPO.resolve("bin/baton").toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    return new Result(p.exitValue(), out);
  }
}
