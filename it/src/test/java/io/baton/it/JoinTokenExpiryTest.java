package io.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.ca.JoinToken;
import io.baton.ca.RemoteCa;
import io.baton.node.BatonNode;
import io.baton.node.InitOptions;
import io.baton.node.NodeSettings;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lifetime of an extra join token against a real manager (real TLS, real store, real joins):
 * the manager's injected clock is moved past the token's expiry, and the next join with it is
 * refused, while the standing token keeps working. The shortest lifetime is 1 minute, so the
 * clock is moved rather than waited for.
 */
@Timeout(180)
class JoinTokenExpiryTest {

  @Test
  void anExtraTokenAdmitsJoinsUntilItExpiresAndIsRefusedAfter() throws Exception {
    Path root = Files.createTempDirectory("baton-it-expiry-");
    ShiftedClock clock = new ShiftedClock();
    NodeSettings base = TestCluster.settings("expiry-manager");
    NodeSettings settings = new NodeSettings(clock, base.dispatcher(), base.agent(), base.rateLimits(),
        base.hostname(), base.electionWait(), base.secretsRoot());
    String addr = "127.0.0.1:" + Ports.freePair();
    try (BatonNode manager = BatonNode.init(new InitOptions(root.resolve("manager"), addr, addr, null,
        Duration.ofHours(24), Duration.ofMillis(500), "process", Map.of(), false), settings)) {
      String dir = manager.stateDir().root().toString();
      Cli.Result made = Cli.run("--state-dir", dir, "join-token", "worker", "--ttl", "1m", "--uses", "5", "-q");
      assertThat(made.exitCode()).as(made.err()).isZero();
      JoinToken token = JoinToken.parse(made.out().strip());

      assertThat(RemoteCa.join(addr, token, Clock.systemUTC()).identity().nodeId()).hasSize(25);
      clock.advance(Duration.ofSeconds(61));
      assertThatThrownBy(() -> RemoteCa.join(addr, token, Clock.systemUTC()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("A valid join token is necessary");
          });
      Cli.Result ls = Cli.run("--state-dir", dir, "join-token", "ls", "--format", "json");
      assertThat(ls.out()).doesNotContain("\"remainingUses\" : 4");
      assertThat(manager.manager().store().view().nodes()).hasSize(2);

      String standing = manager.manager().store().view().cluster().orElseThrow().getJoinTokens().getWorker();
      assertThat(RemoteCa.join(addr, JoinToken.parse(standing), Clock.systemUTC()).identity().nodeId()).hasSize(25);
    } finally {
      try (Stream<Path> walk = Files.walk(root)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** The system clock plus an offset the test moves forward. */
  private static final class ShiftedClock extends Clock {
    private volatile Duration offset = Duration.ZERO;

    void advance(Duration by) {
      offset = offset.plus(by);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(offset);
    }
  }
}
