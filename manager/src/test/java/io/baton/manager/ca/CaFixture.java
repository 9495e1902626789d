package io.baton.manager.ca;

import io.baton.ca.LocalRootSigner;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.baton.api.Cluster;
import io.baton.api.ExtraJoinToken;
import io.baton.api.JoinTokens;
import io.baton.api.NodeRole;
import io.baton.ca.CertificateIssuer;
import io.baton.ca.IssuedCertificate;
import io.baton.ca.JoinToken;
import io.baton.ca.NodeIdentity;
import io.baton.ca.NodeKeys;
import io.baton.ca.Role;
import io.baton.ca.RootCa;
import io.baton.manager.ClusterBootstrap;
import io.baton.manager.auth.BootstrapRateLimiter;
import io.baton.manager.auth.Caller;
import io.baton.store.InMemoryClusterStore;
import io.baton.store.encryption.DataKeys;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A real cluster in an in-memory store for the CA service's tests: a root CA, fixed standing worker
 * and manager tokens, a one-use extra worker token and a first manager; and a way to call a
 * handler as an anonymous network caller.
 */
final class CaFixture {
  static final String WORKER_TOKEN =
      "BTNTKN-1-0000000000000000000000000000000000000000000000000a-workerworkerworkerworker1";
  static final String MANAGER_TOKEN =
      "BTNTKN-1-0000000000000000000000000000000000000000000000000a-managermanagermanagermana";
  static final String EXTRA_TOKEN =
      "BTNTKN-1-0000000000000000000000000000000000000000000000000a-extraextraextraextraextra";
  static final String FIRST_MANAGER = "firstmanager0000000000001";
  static final String CLUSTER_ID = "fuzzcluster00000000000001";
  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final SecureRandom RANDOM = new SecureRandom();
  static final RootCa ROOT = RootCa.create(CLUSTER_ID, CLOCK, RANDOM);
  private static final IssuedCertificate FIRST_CERT = firstManagerCertificate();

  private CaFixture() {}

  /** The CA service over {@code store}. */
  static CaServer server(InMemoryClusterStore store) {
    return new CaServer(store, new CertificateIssuer(CLOCK, RANDOM), RANDOM,
        new BootstrapRateLimiter(BootstrapRateLimiter.Config.defaults(), CLOCK), CLOCK);
  }

  /** What a handler answered: exactly one of a response and an error (never INTERNAL or UNKNOWN). */
  record Answer<T>(T response, StatusRuntimeException error) {}

  static <Q, T> Answer<T> anonymously(BiConsumer<Q, StreamObserver<T>> handler, Q request) {
    Recorder<T> recorder = new Recorder<>();
    Context.current()
        .withValue(Caller.CONTEXT_KEY, new Caller.Anonymous("203.0.113.9:40000"))
        .run(() -> handler.accept(request, recorder));
    assertThat(recorder.completed).as("the handler answers once").isEqualTo(recorder.response != null);
    assertThat(recorder.response == null).as("a response or an error").isNotEqualTo(recorder.error == null);
    if (recorder.error != null) {
      assertThat(recorder.error).isInstanceOf(StatusRuntimeException.class);
      Status.Code code = ((StatusRuntimeException) recorder.error).getStatus().getCode();
      assertThat(code).isNotIn(Status.Code.INTERNAL, Status.Code.UNKNOWN);
      return new Answer<>(null, (StatusRuntimeException) recorder.error);
    }
    return new Answer<>(recorder.response, null);
  }

  private static final class Recorder<T> implements StreamObserver<T> {
    T response;
    Throwable error;
    boolean completed;

    @Override
    public void onNext(T value) {
      assertThat(response).as("one response").isNull();
      response = value;
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {
      completed = true;
    }
  }

  /** A new store holding the cluster. */
  static InMemoryClusterStore cluster() throws Exception {
    InMemoryClusterStore store = new InMemoryClusterStore(CLOCK);
    ClusterBootstrap.initialize(store, CLUSTER_ID, new LocalRootSigner(new CertificateIssuer(CLOCK, RANDOM), ROOT),
        new ClusterBootstrap.Settings(Duration.ofHours(24), Duration.ofSeconds(5), DataKeys.first(RANDOM, 0), null,
            false),
        new ClusterBootstrap.FirstManager(FIRST_MANAGER, FIRST_CERT, "127.0.0.1:4242", Map.of()), RANDOM);
    JoinToken extra = JoinToken.parse(EXTRA_TOKEN);
    store.update(tx -> {
      Cluster c = tx.cluster().orElseThrow();
      tx.put(c.toBuilder()
          .setJoinTokens(JoinTokens.newBuilder().setWorker(WORKER_TOKEN).setManager(MANAGER_TOKEN))
          .addExtraJoinTokens(ExtraJoinToken.newBuilder().setId("extra0000001").setRole(NodeRole.NODE_ROLE_WORKER)
              .setSecretSha256(ByteString.copyFrom(extra.secretSha256()))
              .setCreatedAtMs(NOW.toEpochMilli()).setMaxUses(1))
          .build());
      return null;
    });
    return store;
  }

  private static IssuedCertificate firstManagerCertificate() {
    try {
      return new CertificateIssuer(CLOCK, RANDOM).issue(ROOT, NodeKeys.csrPem(NodeKeys.generate()),
          new NodeIdentity(FIRST_MANAGER, Role.MANAGER, CLUSTER_ID), Duration.ofHours(24));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
