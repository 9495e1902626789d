package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.ControlGrpc;
import io.baton.api.CreateJoinTokenRequest;
import io.baton.api.ListJoinTokensRequest;
import io.baton.api.NodeRole;
import io.baton.api.NodeState;
import io.baton.api.RotateJoinTokenRequest;
import io.baton.node.BatonNode;
import io.baton.node.NodeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Join tokens over real joins: rotation refuses the old token at once and leaves joined nodes
 * alone; an extra token with a use limit admits exactly as many joins as it allows, concurrent
 * joins included; a removed extra token is refused; listings never show a secret; and the CLI
 * refuses bad input in one line with docker's exit codes.
 */
@Timeout(180)
class JoinTokenLifecycleTest {

  @Test
  void rotationRefusesTheOldTokenAtOnceAndLeavesJoinedNodesAlone() throws Exception {
    try (TestCluster cluster = TestCluster.start(1)) {
      BatonNode joined = cluster.workers().get(0);
      String old = cluster.workerToken();
      var admin = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
      String fresh = admin.rotateJoinToken(RotateJoinTokenRequest.newBuilder()
          .setRole(NodeRole.NODE_ROLE_WORKER).build()).getWorker();
      assertThat(fresh).isNotEqualTo(old);

      assertThatThrownBy(() -> cluster.joinWorker(cluster.root().resolve("old-token"), "w-old", old, null))
          .isInstanceOf(NodeException.class).hasMessageContaining("A valid join token is necessary");
      // The node that joined with the old token keeps its session and stays ready.
      String sessionBefore = joined.agent().sessionId().orElseThrow();
      Thread.sleep(1500);
      assertThat(joined.agent().sessionId()).contains(sessionBefore);
      assertThat(cluster.node(joined.identity().nodeId()).getStatus().getState()).isEqualTo(NodeState.NODE_STATE_READY);
      assertThat(cluster.joinWorker(cluster.root().resolve("new-token"), "w-new", fresh, null).identity().nodeId())
          .isNotEqualTo(joined.identity().nodeId());
    }
  }

  @Test
  void aOneUseTokenAdmitsExactlyOneOfTwoConcurrentJoinsAndThenNoMore() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      var admin = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()));
      var created = admin.createJoinToken(CreateJoinTokenRequest.newBuilder()
          .setRole(NodeRole.NODE_ROLE_WORKER).setTtlSeconds(900).setMaxUses(1).build());
      String token = created.getToken();
      String listed = admin.listJoinTokens(ListJoinTokensRequest.getDefaultInstance()).toString();
      assertThat(listed).contains(created.getInfo().getId()).doesNotContain(token.substring(token.lastIndexOf('-') + 1));
      assertThat(cluster.store().view().cluster().orElseThrow().toString())
          .doesNotContain(token.substring(token.lastIndexOf('-') + 1));

      ExecutorService pool = Executors.newFixedThreadPool(2);
      List<Future<BatonNode>> joins = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        String name = "racer" + i;
        Callable<BatonNode> join = () -> cluster.joinWorker(cluster.root().resolve(name), name, token, null);
        joins.add(pool.submit(join));
      }
      int joined = 0;
      int refused = 0;
      for (Future<BatonNode> join : joins) {
        try {
          join.get(60, TimeUnit.SECONDS);
          joined++;
        } catch (java.util.concurrent.ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(NodeException.class).hasMessageContaining("A valid join token");
          refused++;
        }
      }
      pool.shutdown();
      assertThat(joined).isEqualTo(1);
      assertThat(refused).isEqualTo(1);
      assertThat(cluster.store().view().nodes()).hasSize(2);
      assertThatThrownBy(() -> cluster.joinWorker(cluster.root().resolve("third"), "third", token, null))
          .isInstanceOf(NodeException.class).hasMessageContaining("A valid join token");
      assertThat(admin.listJoinTokens(ListJoinTokensRequest.getDefaultInstance()).getTokensList())
          .extracting(t -> t.getId()).containsExactly("worker", "manager");
    }
  }

  @Test
  void aRemovedExtraTokenIsRefusedAndAManagerTokenGivesTheManagerRole() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      String dir = cluster.manager().stateDir().root().toString();
      Cli.Result made = Cli.run("--state-dir", dir, "join-token", "worker", "--uses", "3", "-q");
      assertThat(made.exitCode()).isZero();
      String token = made.out().strip();
      Cli.Result ls = Cli.run("--state-dir", dir, "join-token", "ls", "--format", "json");
      assertThat(ls.exitCode()).isZero();
      assertThat(ls.out()).contains("\"remainingUses\" : 3").doesNotContain(token.substring(token.lastIndexOf('-') + 1));
      String id = ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()))
          .listJoinTokens(ListJoinTokensRequest.getDefaultInstance()).getTokensList().get(2).getId();
      assertThat(Cli.run("--state-dir", dir, "join-token", "rm", id).exitCode()).isZero();
      assertThatThrownBy(() -> cluster.joinWorker(cluster.root().resolve("late"), "late", token, null))
          .isInstanceOf(NodeException.class).hasMessageContaining("A valid join token");
    }
  }

  @Test
  void badInputGetsOneLineErrorsWithDockerExitCodes() throws Exception {
    try (TestCluster cluster = TestCluster.start(0)) {
      String dir = cluster.manager().stateDir().root().toString();
      assertUsage(Cli.run("--state-dir", dir, "join-token", "worker", "--ttl", "soon"), "invalid duration");
      assertUsage(Cli.run("--state-dir", dir, "join-token", "worker", "--ttl", "10s"), "at least 1m");
      assertUsage(Cli.run("--state-dir", dir, "join-token", "worker", "--uses", "0"), "at least 1 join");
      assertUsage(Cli.run("--state-dir", dir, "join-token", "worker", "--uses", "2", "--rotate"), "--rotate");
      assertUsage(Cli.run("--state-dir", dir, "node", "rm"), "NODE");
      assertError(Cli.run("--state-dir", dir, "join-token", "rm", "zzzz"), "no such join token: zzzz");
      assertError(Cli.run("--state-dir", dir, "join-token", "rm", "worker"), "--rotate");
      assertError(Cli.run("--state-dir", dir, "node", "rm", "zzzz"), "no such node: zzzz");
      BatonNode worker = cluster.addWorker();
      assertError(Cli.run("--state-dir", dir, "node", "rm", worker.identity().nodeId()), "use --force");
      assertThat(cluster.store().view().node(worker.identity().nodeId())).isPresent();
      Cli.Result forced = Cli.run("--state-dir", dir, "node", "rm", "--force", worker.identity().nodeId());
      assertThat(forced.exitCode()).isZero();
      assertThat(forced.out().strip()).isEqualTo(worker.identity().nodeId());
      worker.removal().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static void assertUsage(Cli.Result result, String message) {
    assertThat(result.exitCode()).as(result.err()).isEqualTo(125);
    assertThat(cliOutput(result)).contains(message).doesNotContain("Exception").doesNotContain("\tat ");
  }

  private static void assertError(Cli.Result result, String message) {
    assertThat(result.exitCode()).as(result.err()).isEqualTo(1);
    assertThat(cliOutput(result)).startsWith("Error: ").contains(message).doesNotContain("\n");
  }

  /** What the CLI printed to stderr, without the log lines of the in-process cluster. */
  private static String cliOutput(Cli.Result result) {
    return result.err().lines().filter(l -> !l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d+ .*"))
        .collect(java.util.stream.Collectors.joining("\n")).strip();
  }
}
