package io.baton.manager.controlapi;

import io.baton.api.ContainerSpec;
import io.baton.api.Secret;
import io.baton.api.SecretReference;
import io.baton.api.ServiceSpec;
import io.baton.manager.GrpcErrors;
import io.baton.store.ReadView;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Binds a service spec's secret references to the secrets of the store: each names an existing
 * secret (by name or id; the id is recorded), and gets docker's defaults (target = the secret's
 * name, mode 0444). Targets are plain file names, unique within the spec.
 */
final class SecretReferences {
  /** A file name under /run/secrets: no '/', no "." or "..". */
  private static final Pattern TARGET = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}");

  private static final int DEFAULT_MODE = 0444;

  private SecretReferences() {}

  /** The spec with every reference bound, or NOT_FOUND / INVALID_ARGUMENT naming the first problem. */
  static ServiceSpec bind(ReadView view, ServiceSpec spec) {
    ContainerSpec container = spec.getTask().getContainer();
    if (container.getSecretsCount() == 0) {
      return spec;
    }
    ContainerSpec.Builder c = container.toBuilder().clearSecrets();
    Set<String> targets = new HashSet<>();
    for (SecretReference ref : container.getSecretsList()) {
      String name = ref.getSecretName().isEmpty() ? ref.getSecretId() : ref.getSecretName();
      Secret secret = view.secrets().stream()
          .filter(s -> s.getSpec().getName().equals(name) || s.getId().equals(name))
          .findFirst()
          .orElseThrow(() -> GrpcErrors.notFound("secret '" + name + "' does not exist"));
      SecretReference.Builder bound = ref.toBuilder()
          .setSecretId(secret.getId())
          .setSecretName(secret.getSpec().getName());
      if (ref.getTarget().isEmpty()) {
        bound.setTarget(secret.getSpec().getName());
      }
      if (!TARGET.matcher(bound.getTarget()).matches()) {
        throw GrpcErrors.invalid("invalid secret target '" + bound.getTarget()
            + "': a file name of letters, digits, '_', '.', '-', without '/'");
      }
      if (!targets.add(bound.getTarget())) {
        throw GrpcErrors.invalid("two secrets have the target '" + bound.getTarget() + "'");
      }
      if (ref.getMode() == 0) {
        bound.setMode(DEFAULT_MODE);
      } else if (ref.getMode() > 0777) {
        throw GrpcErrors.invalid("invalid mode " + Integer.toOctalString(ref.getMode())
            + " of secret " + name + ": at most 0777");
      }
      c.addSecrets(bound);
    }
    return spec.toBuilder().setTask(spec.getTask().toBuilder().setContainer(c)).build();
  }
}
