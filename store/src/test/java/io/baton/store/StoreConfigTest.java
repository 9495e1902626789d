package io.baton.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class StoreConfigTest {

  private static final RaftTls TLS = new RaftTls(new KeyManager() {}, new TrustManager() {});
  private static final Path DIR = Path.of("/tmp/raft");
  private static final InetSocketAddress ADDR = new InetSocketAddress("127.0.0.1", 4243);

  @Test
  void defaults() {
    StoreConfig cfg = StoreConfig.defaults(DIR, "m1", ADDR, TLS);

    assertThat(cfg.commitTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(cfg.snapshotEveryEntries()).isEqualTo(10_000);
    assertThat(cfg.clock()).isEqualTo(Clock.systemUTC());
  }

  @Test
  void rejectsValuesOutOfRange() {
    StoreConfig ok = StoreConfig.defaults(DIR, "m1", ADDR, TLS);

    assertThatThrownBy(() -> ok.withCommitTimeout(Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("commitTimeout");
    assertThatThrownBy(() -> ok.withCommitTimeout(Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ok.withSnapshotEveryEntries(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("snapshotEveryEntries");
    assertThatThrownBy(() -> StoreConfig.defaults(DIR, "", ADDR, TLS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("peerId");
    assertThatThrownBy(() -> StoreConfig.defaults(DIR, "a b", ADDR, TLS))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> StoreConfig.defaults(DIR, "m1", new InetSocketAddress("127.0.0.1", 0), TLS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port");
    assertThatThrownBy(() -> StoreConfig.defaults(DIR, "m1", ADDR, null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new RaftTls(null, new TrustManager() {}))
        .isInstanceOf(NullPointerException.class);
  }
}
