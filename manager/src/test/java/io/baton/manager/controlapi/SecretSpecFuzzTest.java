package io.baton.manager.controlapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import io.baton.api.CreateSecretRequest;
import io.baton.api.Secret;
import io.baton.api.SecretInfo;
import io.baton.api.SecretSpec;
import io.baton.manager.constraint.Constraint;
import io.baton.manager.constraint.InvalidConstraintException;
import io.baton.store.InMemoryClusterStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

/**
 * Secret creation ({@link SecretHandlers#create}, with its name, label, zone and size rules) on
 * requests drawn from the input, against a real store that already holds a secret named {@code
 * existing}: either INVALID_ARGUMENT or ALREADY_EXISTS with a message that never contains the
 * value, and the store unchanged; or a stored secret whose spec and value are exactly the
 * request's, and which obeys every rule. No other exception.
 */
class SecretSpecFuzzTest {
  private static final String MARKER = "value-marker-5d1c9e";
  private static final SecureRandom RANDOM = new SecureRandom();

  @FuzzTest
  void create(FuzzedDataProvider data) throws Exception {
    CreateSecretRequest request = request(data);
    try (InMemoryClusterStore store = new InMemoryClusterStore()) {
      SecretHandlers secrets = new SecretHandlers(store, RANDOM);
      secrets.create(CreateSecretRequest.newBuilder()
          .setSpec(SecretSpec.newBuilder().setName("existing"))
          .setData(ByteString.copyFromUtf8("x")).build());
      List<Secret> before = store.view().secrets();
      SecretInfo created;
      try {
        created = secrets.create(request);
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).isIn(Status.Code.INVALID_ARGUMENT, Status.Code.ALREADY_EXISTS);
        assertThat(e.getStatus().getDescription()).isNotBlank().doesNotContain(MARKER);
        assertThat(store.view().secrets()).isEqualTo(before);
        return;
      }
      assertThat(created.getSpec()).isEqualTo(request.getSpec());
      Secret stored = store.view().secret(created.getId()).orElseThrow();
      assertThat(stored.getData()).isEqualTo(request.getData());
      assertObeysRules(request);
    }
  }

  private static void assertObeysRules(CreateSecretRequest request) throws InvalidConstraintException {
    SecretSpec spec = request.getSpec();
    assertThat(spec.getName()).matches("[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9])?").isNotEqualTo("existing");
    spec.getLabelsMap().forEach((k, v) -> {
      assertThat(k).matches("[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?");
      assertThat(v.length()).isLessThanOrEqualTo(256);
      assertThat(v.chars().noneMatch(Character::isISOControl)).isTrue();
    });
    for (Constraint c : Constraint.parseAll(spec.getNodeConstraintsList())) {
      assertThat(c.isTrustworthy()).as("zone %s reads only manager-set attributes", c).isTrue();
    }
    assertThat(request.getData().size()).isBetween(1, SecretHandlers.MAX_SECRET_BYTES);
  }

  private static CreateSecretRequest request(FuzzedDataProvider data) {
    SecretSpec.Builder spec = SecretSpec.newBuilder().setName(data.consumeString(70));
    for (int i = data.consumeInt(0, 2); i > 0; i--) {
      spec.putLabels(data.consumeString(40), data.consumeString(40));
    }
    for (int i = data.consumeInt(0, 2); i > 0; i--) {
      spec.addNodeConstraints(data.consumeString(40));
    }
    byte[] value = switch (data.consumeInt(0, 3)) {
      case 0 -> new byte[0];
      case 1 -> new byte[SecretHandlers.MAX_SECRET_BYTES];
      case 2 -> new byte[SecretHandlers.MAX_SECRET_BYTES + 1];
      default -> (MARKER + data.consumeRemainingAsString()).getBytes(StandardCharsets.UTF_8);
    };
    return CreateSecretRequest.newBuilder().setSpec(spec).setData(ByteString.copyFrom(value)).build();
  }
}
