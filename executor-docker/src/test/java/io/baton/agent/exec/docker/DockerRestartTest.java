package io.baton.agent.exec.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.agent.exec.ExecutorException;
import io.baton.agent.exec.ExitStatus;
import io.baton.agent.exec.TaskContext;
import io.baton.agent.exec.TaskRunner;
import io.baton.api.ContainerSpec;
import io.baton.api.RegistryPullAuth;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor against the real dockerd through a {@link SocketProxy} this test owns: what it sends
 * dockerd (a pull's credentials), and how it rides out dockerd going away and coming back (played
 * by the proxy cutting every connection and removing the socket; the machine's dockerd keeps
 * running, so its in-memory events are still there to replay when the stream reopens).
 */
@Timeout(120)
class DockerRestartTest {
  private static final Pattern REGISTRY_AUTH = Pattern.compile("(?i)X-Registry-Auth: *([A-Za-z0-9_=+/-]+)");

  @TempDir Path tmp;

  private Dockerd dockerd;
  private SocketProxy proxy;
  private DockerExecutor executor;

  @BeforeEach
  void setUp() throws Exception {
    dockerd = Dockerd.require();
    proxy = new SocketProxy(tmp.resolve("docker.sock"), Path.of(DockerExecutorConfig.DEFAULT_HOST.getPath()));
    DockerExecutorConfig base = dockerd.config().withDockerHost(proxy.uri());
    executor =
        new DockerExecutor(
            Clock.systemUTC(),
            new DockerExecutorConfig(
                base.dockerHost(),
                base.nodeId(),
                base.logBytesPerTask(),
                base.logDrainTimeout(),
                Duration.ofMillis(200),
                base.reclaimGrace(),
                Duration.ofSeconds(30),
                base.maxConcurrentStarts()));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (executor != null) {
      executor.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (dockerd != null) {
      dockerd.close();
    }
  }

  @Test
  void anExitWhileDockerdWasAwayIsReportedOnceItAnswersAgain() throws Exception {
    TaskRunner runner = executor.create(dockerd.task("t-away", "sleep", "600"), TaskContext.of(tmp.resolve("a")));
    runner.prepare();
    runner.start();
    CompletableFuture<ExitStatus> exit = CompletableFuture.supplyAsync(() -> {
      try {
        return runner.awaitExit();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    String containerId = dockerd.containersOf(dockerd.nodeId).getFirst().getId();

    proxy.outage();
    dockerd.client.killContainerCmd(containerId).exec(); // dies while the executor cannot hear of it
    Thread.sleep(1000); // several reconnect attempts fail meanwhile
    assertThat(exit).isNotDone();
    proxy.resume();

    ExitStatus status = exit.get(30, TimeUnit.SECONDS);
    assertThat(status).isEqualTo(new ExitStatus(137, "task exited with code 137"));
    runner.remove();
    assertThat(dockerd.containersOf(dockerd.nodeId)).isEmpty();
  }

  @Test
  void aTaskStartedAfterDockerdCameBackStillHasItsExitReported() throws Exception {
    proxy.outage();
    assertThatThrownBy(() -> executor.create(dockerd.task("t-down", "true"), TaskContext.of(tmp.resolve("d"))))
        .isInstanceOf(ExecutorException.class)
        .hasMessageStartingWith("dockerd is not reachable at " + proxy.uri());
    proxy.resume();

    TaskRunner runner = executor.create(dockerd.task("t-back", "sh", "-c", "sleep 1; exit 4"), TaskContext.of(tmp.resolve("b")));
    runner.prepare();
    runner.start();
    assertThat(runner.awaitExit()).isEqualTo(new ExitStatus(4, "task exited with code 4"));
    runner.remove();
  }

  @Test
  void aPullCarriesTheTasksRegistryLoginToDockerdAndOnlyForItsRegistry() throws Exception {
    String password = "pw-" + UUID.randomUUID();
    // Nothing listens on port 1 of loopback: the pull fails fast, after dockerd got the login.
    String image = "127.0.0.1:1/baton-test/none:1";
    RegistryPullAuth auth =
        RegistryPullAuth.newBuilder().setServer("127.0.0.1:1").setUsername("ci-bot").setPassword(password).build();
    TaskRunner runner =
        executor.create(
            dockerd.task("t-pull", ContainerSpec.newBuilder().setImage(image).addCommand("true").setRegistryAuth(auth)),
            TaskContext.of(tmp.resolve("p")));

    assertThatThrownBy(runner::prepare)
        .isInstanceOf(ExecutorException.class)
        .hasMessageStartingWith("image " + image + " not found locally and it could not be pulled: ")
        .message()
        .doesNotContain(password);
    JsonNode sent = registryAuthOf(proxy.sent(), "POST /images/create");
    assertThat(sent.path("username").asText()).isEqualTo("ci-bot");
    assertThat(sent.path("password").asText()).isEqualTo(password);
    assertThat(sent.path("serveraddress").asText()).isEqualTo("127.0.0.1:1");
    runner.remove();

    // The same login on an image of another registry is not sent at all.
    TaskRunner elsewhere =
        executor.create(
            dockerd.task("t-other", ContainerSpec.newBuilder().setImage("127.0.0.2:1/x:1").addCommand("true").setRegistryAuth(auth)),
            TaskContext.of(tmp.resolve("o")));
    int before = proxy.sent().length();
    assertThatThrownBy(elsewhere::prepare).isInstanceOf(ExecutorException.class);
    assertThat(proxy.sent().substring(before)).contains("POST /images/create").doesNotContain(password);
    assertThat(decodedAuths(proxy.sent().substring(before))).doesNotContain(password);
    elsewhere.remove();
  }

  /** The decoded X-Registry-Auth header of the first request starting with {@code requestLine}. */
  private static JsonNode registryAuthOf(String traffic, String requestLine) throws Exception {
    int at = traffic.indexOf(requestLine);
    assertThat(at).as("dockerd got %s", requestLine).isNotNegative();
    String headers = traffic.substring(at, traffic.indexOf("\r\n\r\n", at));
    Matcher m = REGISTRY_AUTH.matcher(headers);
    assertThat(m.find()).as("X-Registry-Auth in %s", requestLine).isTrue();
    return new ObjectMapper().readTree(decode(m.group(1)));
  }

  /** Every X-Registry-Auth header in {@code traffic}, decoded. */
  private static String decodedAuths(String traffic) {
    StringBuilder all = new StringBuilder();
    Matcher m = REGISTRY_AUTH.matcher(traffic);
    while (m.find()) {
      all.append(decode(m.group(1))).append('\n');
    }
    return all.toString();
  }

  /** Base64 in either alphabet, padded or not (docker accepts both). */
  private static String decode(String value) {
    String standard = value.replace('-', '+').replace('_', '/').replaceAll("=+$", "");
    standard += "=".repeat((4 - standard.length() % 4) % 4);
    return new String(Base64.getDecoder().decode(standard), StandardCharsets.UTF_8);
  }
}
