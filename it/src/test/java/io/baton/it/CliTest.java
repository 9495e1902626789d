package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The CLI against a running cluster, locally (control.sock) and remotely (-H with certificates). */
@Timeout(120)
class CliTest {
  private static TestCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(1);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  private static String managerDir() {
    return cluster.manager().stateDir().root().toString();
  }

  @Test
  void nodeLsOverTheControlSocketShowsBothNodesAsJson() {
    Cli.Result result = Cli.run("--state-dir", managerDir(), "node", "ls", "--format", "json");
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("\"managerStatus\" : \"leader\"", "\"managerStatus\" : null",
        "\"certificateExpiry\"", "\"role\" : \"worker\"");
  }

  @Test
  void stateDirMayFollowTheCommandWords() {
    Cli.Result result = Cli.run("node", "ls", "--state-dir", managerDir());
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("HOSTNAME", "leader", "worker1");
  }

  @Test
  void joinTokenQuietPrintsOnlyTheToken() {
    Cli.Result result = Cli.run("--state-dir", managerDir(), "join-token", "worker", "-q");
    assertThat(result.out().strip()).matches("BTNTKN-1-[0-9a-z]{50}-[0-9a-z]{25}").isEqualTo(cluster.workerToken());
  }

  @Test
  void nodeUpdateAddsAndRemovesLabels() {
    String id = cluster.workers().get(0).identity().nodeId();
    assertThat(Cli.run("--state-dir", managerDir(), "node", "update", "--label-add", "zone=a", id).exitCode()).isZero();
    assertThat(cluster.node(id).getSpec().getLabelsMap()).containsEntry("zone", "a");
    assertThat(Cli.run("--state-dir", managerDir(), "node", "update", "--label-rm", "zone", id).exitCode()).isZero();
    assertThat(cluster.node(id).getSpec().getLabelsMap()).doesNotContainKey("zone");
    Cli.Result bad = Cli.run("--state-dir", managerDir(), "node", "update", "--label-add", "bad key=x", id);
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.err()).contains("invalid label key");
  }

  @Test
  void remoteModeWithTheManagersCertificateWorks() {
    Path certs = cluster.manager().stateDir().root().resolve("certificates");
    Cli.Result result = Cli.run("-H", "tcp://" + cluster.managerAddress(),
        "--tlscacert", certs.resolve("root-ca.crt").toString(),
        "--tlscert", certs.resolve("node.crt").toString(),
        "--tlskey", certs.resolve("node.key").toString(), "node", "ls", "-q");
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out().lines()).hasSize(2);
  }

  @Test
  void remoteModeWithAWorkersCertificateIsPermissionDenied() {
    Path certs = cluster.workers().get(0).stateDir().root().resolve("certificates");
    Cli.Result result = Cli.run("-H", "tcp://" + cluster.managerAddress(),
        "--tlscacert", certs.resolve("root-ca.crt").toString(),
        "--tlscert", certs.resolve("node.crt").toString(),
        "--tlskey", certs.resolve("node.key").toString(), "node", "ls");
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).contains("permission denied").doesNotContain("Exception", "\tat ");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void workersControlSocketPointsAtAManager() {
    Cli.Result result = Cli.run("--state-dir", cluster.workers().get(0).stateDir().root().toString(), "node", "ls");
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).contains("this node is a worker");
  }

  @Test
  void userErrorsAreOneLineWithDockerExitCodes() throws Exception {
    Cli.Result unknownFlag = Cli.run("--state-dir", managerDir(), "node", "ls", "--frobnicate");
    assertThat(unknownFlag.exitCode()).isEqualTo(125);
    assertThat(unknownFlag.err()).contains("--frobnicate").doesNotContain("\tat ");

    Cli.Result unknownCommand = Cli.run("frobnicate");
    assertThat(unknownCommand.exitCode()).isEqualTo(125);

    Path missing = Files.createTempDirectory("baton-missing").resolve("nothing");
    Cli.Result noNode = Cli.run("--state-dir", missing.toString(), "node", "ls");
    assertThat(noNode.exitCode()).isEqualTo(1);
    assertThat(noNode.err()).contains("cannot reach").doesNotContain("\tat ");

    Cli.Result noTarget = Cli.run("node", "ls");
    assertThat(noTarget.exitCode()).isEqualTo(125);

    Cli.Result badFormat = Cli.run("--state-dir", managerDir(), "node", "ls", "--format", "yaml");
    assertThat(badFormat.exitCode()).isEqualTo(125);

    Cli.Result badRole = Cli.run("--state-dir", managerDir(), "join-token", "admin");
    assertThat(badRole.exitCode()).isEqualTo(125);

    Cli.Result noSuchNode = Cli.run("--state-dir", managerDir(), "node", "inspect", "zzzzz");
    assertThat(noSuchNode.exitCode()).isEqualTo(1);
    assertThat(noSuchNode.err()).contains("no such node");
  }

  @Test
  void serviceCommandsRefuseBadInputWithUsageErrorsAndChangeNothing() {
    int before = cluster.store().view().services().size();
    String dir = managerDir();
    record Case(int exit, String message, String[] args) {}
    List<Case> cases = List.of(
        new Case(125, "replicas must not be negative", new String[] {"service", "create", "--name", "x", "--replicas", "-1", "busybox"}),
        new Case(125, "invalid duration", new String[] {"service", "create", "--name", "x", "--restart-delay", "5 parsecs", "busybox"}),
        new Case(125, "invalid --restart-condition", new String[] {"service", "create", "--name", "x", "--restart-condition", "sometimes", "busybox"}),
        new Case(125, "invalid --reserve-memory", new String[] {"service", "create", "--name", "x", "--reserve-memory", "lots", "busybox"}),
        new Case(125, "invalid --mode", new String[] {"service", "create", "--name", "x", "--mode", "everywhere", "busybox"}),
        new Case(1, "invalid placement constraint", new String[] {"service", "create", "--name", "x", "--constraint", "node.labels.zone=a", "busybox"}),
        new Case(1, "no such service", new String[] {"service", "ps", "nothing-here"}),
        new Case(1, "no such service", new String[] {"service", "scale", "nothing-here=3"}),
        new Case(125, "invalid scale target", new String[] {"service", "scale", "web"}));
    for (Case c : cases) {
      String[] args = new String[c.args().length + 2];
      args[0] = "--state-dir";
      args[1] = dir;
      System.arraycopy(c.args(), 0, args, 2, c.args().length);
      Cli.Result result = Cli.run(args);
      assertThat(result.exitCode()).as(String.join(" ", c.args()) + ": " + result.err()).isEqualTo(c.exit());
      assertThat(result.err()).contains(c.message()).doesNotContain("\tat ", "Exception");
    }
    assertThat(cluster.store().view().services()).hasSize(before);
  }

  @Test
  void caPrintsTheRootAndRefusesTooShortExpiry() {
    Cli.Result ca = Cli.run("--state-dir", managerDir(), "ca");
    assertThat(ca.out()).startsWith("-----BEGIN CERTIFICATE-----");
    Cli.Result tooShort = Cli.run("--state-dir", managerDir(), "ca", "--cert-expiry", "30m");
    assertThat(tooShort.exitCode()).isEqualTo(1);
    assertThat(tooShort.err()).contains("minimum certificate expiry is 1h");
  }
}
