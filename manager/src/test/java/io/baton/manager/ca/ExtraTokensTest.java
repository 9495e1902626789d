package io.baton.manager.ca;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.baton.api.Cluster;
import io.baton.api.ExtraJoinToken;
import io.baton.api.NodeRole;
import io.baton.api.RootCA;
import io.baton.ca.JoinToken;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ExtraTokensTest {
  private static final String DIGEST = "0".repeat(50);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final SecureRandom random = new SecureRandom();

  private static Cluster cluster(ExtraJoinToken... tokens) {
    return Cluster.newBuilder().setId("c").setRootCa(RootCA.newBuilder().setDigest(DIGEST))
        .addAllExtraJoinTokens(java.util.List.of(tokens)).build();
  }

  private static ExtraJoinToken extra(String id, JoinToken token, Duration ttl, int uses) {
    return ExtraJoinToken.newBuilder().setId(id).setRole(NodeRole.NODE_ROLE_WORKER)
        .setSecretSha256(ByteString.copyFrom(token.secretSha256()))
        .setCreatedAtMs(T0.toEpochMilli())
        .setExpiresAtMs(ttl == null ? 0 : T0.plus(ttl).toEpochMilli())
        .setMaxUses(uses).build();
  }

  @Test
  void aTokenMatchesUntilItsTtlEndsAndNotAfter() {
    JoinToken token = JoinToken.generate(DIGEST, random);
    Cluster c = cluster(extra("a", token, Duration.ofMinutes(15), 0));
    assertThat(ExtraTokens.match(c, token, T0.plus(Duration.ofMinutes(14)))).isPresent();
    assertThat(ExtraTokens.match(c, token, T0.plus(Duration.ofMinutes(15)))).isEmpty();
    assertThat(ExtraTokens.consume(c, "a", T0.plus(Duration.ofMinutes(16)))).isEmpty();
  }

  @Test
  void aOneUseTokenIsConsumedOnceAndThenDropped() {
    JoinToken token = JoinToken.generate(DIGEST, random);
    Cluster c = cluster(extra("a", token, null, 1));
    Cluster after = ExtraTokens.consume(c, "a", T0).orElseThrow();
    assertThat(after.getExtraJoinTokensList()).isEmpty();
    assertThat(ExtraTokens.consume(after, "a", T0)).isEmpty();
    assertThat(ExtraTokens.match(after, token, T0)).isEmpty();
  }

  @Test
  void usesCountDownAndOtherTokensAreKept() {
    JoinToken a = JoinToken.generate(DIGEST, random);
    JoinToken b = JoinToken.generate(DIGEST, random);
    Cluster c = cluster(extra("a", a, null, 2), extra("b", b, Duration.ofHours(1), 0));
    Cluster once = ExtraTokens.consume(c, "a", T0).orElseThrow();
    assertThat(ExtraTokens.info(once.getExtraJoinTokens(0)).getRemainingUses()).isEqualTo(1);
    assertThat(once.getExtraJoinTokensList()).extracting(ExtraJoinToken::getId).containsExactly("a", "b");
    Cluster twice = ExtraTokens.consume(once, "a", T0).orElseThrow();
    assertThat(twice.getExtraJoinTokensList()).extracting(ExtraJoinToken::getId).containsExactly("b");
  }

  @Test
  void aWrongSecretOrAnotherClustersDigestMatchesNothing() {
    JoinToken token = JoinToken.generate(DIGEST, random);
    Cluster c = cluster(extra("a", token, null, 5));
    assertThat(ExtraTokens.match(c, JoinToken.generate(DIGEST, random), T0)).isEmpty();
    assertThat(ExtraTokens.match(c, new JoinToken("1".repeat(50), token.secret()), T0)).isEmpty();
    assertThat(ExtraTokens.info(c.getExtraJoinTokens(0)).toString()).doesNotContain(token.secret());
  }
}
