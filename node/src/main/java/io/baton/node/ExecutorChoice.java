package io.baton.node;

import io.baton.agent.exec.Executor;
import io.baton.agent.exec.docker.DockerExecutor;
import io.baton.agent.exec.docker.DockerExecutorConfig;
import io.baton.agent.exec.process.ProcessExecutor;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the executor a node runs tasks with, from {@code --executor docker|process} as stored in
 * {@code node.json}; with none chosen ({@link #AUTO}), docker when dockerd answers a ping, else
 * process, decided again at every start. Logs which executor it opened and why.
 *
 * <p>dockerd's socket is {@code DOCKER_HOST} when that names a {@code unix://} socket, else {@link
 * DockerExecutorConfig#DEFAULT_HOST}: baton never talks to dockerd over TCP.
 */
final class ExecutorChoice {
  /** No executor chosen: decide at start. */
  static final String AUTO = "auto";

  private static final Logger log = LoggerFactory.getLogger(ExecutorChoice.class);

  private ExecutorChoice() {}

  static Executor open(String requested, String nodeId, Clock clock) {
    URI host = dockerHost(System.getenv("DOCKER_HOST"));
    String choice = requested == null ? AUTO : requested;
    switch (choice) {
      case "process" -> {
        log.info("executor: process (chosen with --executor)");
        return new ProcessExecutor(clock);
      }
      case "docker" -> {
        Optional<String> problem = DockerExecutor.probe(host);
        if (problem.isPresent()) {
          log.warn("executor: docker (chosen with --executor), but dockerd does not answer at {}: {};"
              + " tasks are rejected until it does", host, problem.get());
        } else {
          log.info("executor: docker (chosen with --executor; dockerd answers at {})", host);
        }
        return docker(host, nodeId, clock);
      }
      case AUTO -> {
        Optional<String> problem = DockerExecutor.probe(host);
        if (problem.isEmpty()) {
          log.info("executor: docker (dockerd answers at {}; --executor process to run tasks as processes)", host);
          return docker(host, nodeId, clock);
        }
        log.info("executor: process (no dockerd answers at {}: {})", host, problem.get());
        return new ProcessExecutor(clock);
      }
      default -> throw new IllegalArgumentException("unknown executor in node.json: " + choice);
    }
  }

  private static Executor docker(URI host, String nodeId, Clock clock) {
    return new DockerExecutor(clock, DockerExecutorConfig.defaults(nodeId).withDockerHost(host));
  }

  static URI dockerHost(String dockerHostEnv) {
    if (dockerHostEnv != null && dockerHostEnv.startsWith("unix://")) {
      return URI.create(dockerHostEnv);
    }
    return DockerExecutorConfig.DEFAULT_HOST;
  }
}
