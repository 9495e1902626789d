package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.ListServicesRequest;
import io.baton.api.ReplicatedService;
import io.baton.api.ServiceSpec;
import io.baton.ca.UnlockKey;
import io.baton.node.BatonNode;
import io.baton.store.encryption.InvalidUnlockKey;
import io.baton.store.encryption.KeysDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Autolock as an operator and as a thief of a manager's disk meet it: a restarted manager stays
 * locked, answering nothing but Unlock on its control socket; a wrong key is refused and may be
 * retried; the right one unlocks it; a rotated key replaces the old one; turning autolock off lets
 * it restart unattended again. No unlock key is ever written under a state dir.
 */
@Timeout(240)
class AutolockTest {

  @Test
  void aRestartedManagerStaysLockedUntilItGetsTheUnlockKey() throws Exception {
    try (TestCluster cluster = TestCluster.startAutolocked(0)) {
      Path dir = cluster.manager().stateDir().root();
      String key = cli(dir, "unlock-key", "-q").out().strip();
      assertThat(key).startsWith(UnlockKey.PREFIX);
      assertThat(cluster.manager().initialUnlockKey().toString()).isEqualTo(key);
      createService(cluster, "before-restart");
      assertThat(Files.readString(dir.resolve("certificates/node.key"))).contains("ENCRYPTED PRIVATE KEY");
      assertThat(dir.resolve("keys/kek")).doesNotExist();

      cluster.stop(cluster.manager());
      StateDirScan.assertNoneContains(cluster.root(), key.substring(UnlockKey.PREFIX.length()));
      CompletableFuture<BatonNode> starting = TestCluster.startInBackground(dir, "manager");
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve("control.sock")));

      Cli.Result locked = cli(dir, "node", "ls");
      assertThat(locked.exitCode()).isEqualTo(1);
      assertThat(locked.err()).contains("locked").contains("baton unlock");
      Cli.Result wrong = Cli.runWithInput(UnlockKey.generate(new SecureRandom()) + "\n",
          "--state-dir", dir.toString(), "unlock");
      assertThat(wrong.exitCode()).isEqualTo(1);
      assertThat(wrong.err()).contains("invalid unlock key");
      Cli.Result garbage = Cli.runWithInput("not-a-key\n", "--state-dir", dir.toString(), "unlock");
      assertThat(garbage.err()).contains("invalid unlock key").doesNotContain("not-a-key");
      assertThat(starting).isNotDone();

      Cli.Result right = Cli.runWithInput(key + "\n", "--state-dir", dir.toString(), "unlock");
      assertThat(right.exitCode()).as(right.err()).isZero();
      BatonNode unlocked = starting.get(60, TimeUnit.SECONDS);
      cluster.adopt(unlocked, dir);
      await().atMost(Duration.ofSeconds(30)).until(() -> cli(dir, "service", "ls").out().contains("before-restart"));
    }
  }

  @Test
  void aRotatedKeyReplacesTheOldOneAndTurningAutolockOffUnlocksRestarts() throws Exception {
    try (TestCluster cluster = TestCluster.startAutolocked(0)) {
      BatonNode second = cluster.addManager();
      Path first = cluster.manager().stateDir().root();
      Path joined = second.stateDir().root();
      assertThat(new KeysDir(joined.resolve("keys"), new SecureRandom()).locked())
          .as("a manager joining a locked cluster is locked too").isTrue();
      assertThat(Files.readString(joined.resolve("certificates/node.key"))).contains("ENCRYPTED PRIVATE KEY");

      UnlockKey old = UnlockKey.parse(cli(first, "unlock-key", "-q").out());
      UnlockKey rotated = UnlockKey.parse(cli(first, "unlock-key", "--rotate", "-q").out());
      assertThat(rotated).isNotEqualTo(old);
      for (Path dir : List.of(first, joined)) {
        KeysDir keys = new KeysDir(dir.resolve("keys"), new SecureRandom());
        await().atMost(Duration.ofSeconds(20)).until(() -> opens(keys, rotated) && !opens(keys, old));
      }

      Cli.Result off = cli(first, "cluster", "update", "--autolock", "false");
      assertThat(off.exitCode()).as(off.err()).isZero();
      for (Path dir : List.of(first, joined)) {
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(dir.resolve("keys/kek"))
            && !Files.readString(dir.resolve("certificates/node.key")).contains("ENCRYPTED"));
      }
      cluster.stop(second);
      BatonNode restarted = cluster.restart(joined, "manager2");
      assertThat(restarted.manager()).as("restarted without an unlock key").isNotNull();

      cluster.leader();
      Cli.Result on = cli(first, "cluster", "update", "--autolock", "true");
      assertThat(on.out()).as(on.err()).contains(UnlockKey.PREFIX);
      assertThat(cli(first, "cluster", "inspect").out()).contains("\"autolock\" : true").contains("\"dataKey\" : 2");
      await().atMost(Duration.ofSeconds(20)).until(() ->
          new KeysDir(joined.resolve("keys"), new SecureRandom()).locked());
    }
  }

  private static boolean opens(KeysDir keys, UnlockKey key) throws Exception {
    try {
      keys.open(key);
      return true;
    } catch (InvalidUnlockKey e) {
      return false;
    }
  }

  private static void createService(TestCluster cluster, String name) {
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName(name)
        .setReplicated(ReplicatedService.newBuilder().setReplicas(0));
    spec.getTaskBuilder().getContainerBuilder().setImage("busybox").addAllCommand(List.of("sleep", "300"));
    ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .createService(CreateServiceRequest.newBuilder().setSpec(spec).build());
    assertThat(ControlGrpc.newBlockingStub(cluster.channelAs(cluster.manager().credentials()))
        .listServices(ListServicesRequest.getDefaultInstance()).getServicesCount()).isEqualTo(1);
  }

  private static Cli.Result cli(Path dir, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--state-dir";
    all[1] = dir.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return Cli.run(all);
  }
}
