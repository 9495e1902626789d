package io.baton.manager.controlapi;

import io.baton.api.CreateSecretRequest;
import io.baton.api.ListSecretsResponse;
import io.baton.api.Secret;
import io.baton.api.SecretInfo;
import io.baton.api.SecretSpec;
import io.baton.api.Service;
import io.baton.ca.Identifiers;
import io.baton.manager.GrpcErrors;
import io.baton.manager.constraint.Constraint;
import io.baton.manager.constraint.InvalidConstraintException;
import io.baton.store.ClusterStore;
import io.baton.store.ReadView;
import io.baton.store.StoreException;
import io.grpc.Status;
import java.security.SecureRandom;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secret RPCs of the control API. A secret's value goes into the store and nowhere else: every
 * answer is a {@link SecretInfo}, which has no field for it, and log lines name secrets only.
 */
final class SecretHandlers {
  private static final Logger log = LoggerFactory.getLogger(SecretHandlers.class);

  /** Docker's limit: a secret is configuration, not a file store. */
  static final int MAX_SECRET_BYTES = 500 * 1024;

  /** Docker's secret names: alphanumeric at both ends, '_', '.', '-' inside, at most 64. */
  private static final Pattern NAME =
      Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9])?");

  private final ClusterStore store;
  private final SecureRandom random;

  SecretHandlers(ClusterStore store, SecureRandom random) {
    this.store = store;
    this.random = random;
  }

  SecretInfo create(CreateSecretRequest request) throws StoreException {
    SecretSpec spec = request.getSpec();
    checkName(spec.getName());
    spec.getLabelsMap().forEach((k, v) -> {
      LabelRules.checkKey(k);
      LabelRules.checkValue(k, v);
    });
    checkZone(spec.getNodeConstraintsList());
    if (request.getData().isEmpty()) {
      throw GrpcErrors.invalid("secret " + spec.getName() + " is empty");
    }
    if (request.getData().size() > MAX_SECRET_BYTES) {
      throw GrpcErrors.invalid("secret " + spec.getName() + " is " + request.getData().size()
          + " bytes; the limit is " + MAX_SECRET_BYTES + " bytes (500 KiB)");
    }
    String id = Identifiers.newId(random);
    Secret created = store.update(tx -> {
      if (tx.secrets().stream().anyMatch(s -> s.getSpec().getName().equals(spec.getName()))) {
        throw Status.ALREADY_EXISTS.withDescription("secret " + spec.getName() + " already exists")
            .asRuntimeException();
      }
      Secret secret = Secret.newBuilder().setId(id).setSpec(spec).setData(request.getData()).build();
      tx.put(secret);
      return secret;
    });
    log.info("created secret {} ({})", spec.getName(), id);
    return info(created);
  }

  SecretInfo get(String ref) {
    return info(resolve(store.view(), ref));
  }

  ListSecretsResponse list() {
    return ListSecretsResponse.newBuilder()
        .addAllSecrets(store.view().secrets().stream().map(SecretHandlers::info).toList())
        .build();
  }

  /** Removes the secret, unless a service's current spec references it (FAILED_PRECONDITION). */
  void remove(String ref) throws StoreException {
    Secret secret = resolve(store.view(), ref);
    store.update(tx -> {
      List<String> users = tx.services().stream()
          .filter(s -> references(s, secret.getId()))
          .map(s -> s.getSpec().getName())
          .sorted()
          .toList();
      if (!users.isEmpty()) {
        throw GrpcErrors.failedPrecondition("secret " + secret.getSpec().getName()
            + " is in use by service" + (users.size() > 1 ? "s " : " ") + String.join(", ", users));
      }
      tx.deleteSecret(secret.getId());
      return null;
    });
    log.info("removed secret {} ({})", secret.getSpec().getName(), secret.getId());
  }

  /** The secret a reference (name, full id, or unique id prefix) names, docker-style. */
  static Secret resolve(ReadView view, String ref) {
    if (ref.isBlank()) {
      throw GrpcErrors.invalid("a secret name or id is required");
    }
    List<Secret> secrets = view.secrets();
    for (Secret s : secrets) {
      if (s.getSpec().getName().equals(ref) || s.getId().equals(ref)) {
        return s;
      }
    }
    List<Secret> byPrefix = secrets.stream().filter(s -> s.getId().startsWith(ref)).toList();
    if (byPrefix.size() == 1) {
      return byPrefix.get(0);
    }
    if (byPrefix.size() > 1) {
      throw GrpcErrors.invalid("secret id prefix '" + ref + "' is ambiguous; give more characters");
    }
    throw GrpcErrors.notFound("no such secret: " + ref);
  }

  private static boolean references(Service service, String secretId) {
    return service.getSpec().getTask().getContainer().getSecretsList().stream()
        .anyMatch(r -> r.getSecretId().equals(secretId));
  }

  private static void checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw GrpcErrors.invalid("invalid secret name '" + name + "': use letters, digits, '_', '.', '-',"
          + " at most 64 characters, starting and ending alphanumeric");
    }
  }

  /** A zone may only read what managers set: a node cannot talk its way into one. */
  private static void checkZone(List<String> expressions) {
    try {
      for (Constraint c : Constraint.parseAll(expressions)) {
        if (!c.isTrustworthy()) {
          throw GrpcErrors.invalid("node constraint '" + c + "' of a secret reads what the node reports"
              + " about itself; use node.id, node.role or node.labels.*");
        }
      }
    } catch (InvalidConstraintException e) {
      throw GrpcErrors.invalid(e.getMessage());
    }
  }

  private static SecretInfo info(Secret secret) {
    return SecretInfo.newBuilder().setId(secret.getId()).setMeta(secret.getMeta()).setSpec(secret.getSpec()).build();
  }
}
