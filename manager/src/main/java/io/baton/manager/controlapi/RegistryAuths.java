package io.baton.manager.controlapi;

import io.baton.api.ContainerSpec;
import io.baton.api.RegistryPullAuth;
import io.baton.api.Service;
import io.baton.api.ServiceSpec;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import io.baton.manager.GrpcErrors;

/**
 * The registry credentials a service's spec may carry ({@code service create --with-registry-auth}).
 *
 * <p>Security: they live in the encrypted store with the service and its tasks, and reach a node only
 * inside its own tasks (the dispatcher sends a node nothing else). Every control API answer goes
 * through {@link #redact}: it keeps only the registry's address, so no client, operator or log ever
 * sees a username, password or token again. A spec sent back as it was read (redacted) keeps the
 * stored credentials ({@link #carryOver}).
 */
final class RegistryAuths {
  private RegistryAuths() {}

  /** INVALID_ARGUMENT unless the spec's credentials, if any, name a registry and a secret. */
  static void requireComplete(ServiceSpec spec) {
    if (!spec.getTask().getContainer().hasRegistryAuth()) {
      return;
    }
    RegistryPullAuth auth = spec.getTask().getContainer().getRegistryAuth();
    if (auth.getServer().isBlank()) {
      throw GrpcErrors.invalid("registry credentials must name their registry");
    }
    if (!hasSecret(auth)) {
      throw GrpcErrors.invalid("registry credentials for " + auth.getServer()
          + " carry neither a password nor an identity token");
    }
  }

  /**
   * {@code next} with the credentials of {@code current} where {@code next} carries them redacted
   * (same registry, no secret): a client updating a spec it read keeps the login it cannot see.
   */
  static ServiceSpec carryOver(ServiceSpec current, ServiceSpec next) {
    ContainerSpec proposed = next.getTask().getContainer();
    ContainerSpec stored = current.getTask().getContainer();
    if (proposed.hasRegistryAuth() && !hasSecret(proposed.getRegistryAuth()) && stored.hasRegistryAuth()
        && stored.getRegistryAuth().getServer().equals(proposed.getRegistryAuth().getServer())) {
      ServiceSpec.Builder b = next.toBuilder();
      b.getTaskBuilder().getContainerBuilder().setRegistryAuth(stored.getRegistryAuth());
      return b.build();
    }
    requireComplete(next);
    return next;
  }

  /** The service as the control API shows it: credentials of its spec and previous spec redacted. */
  static Service redact(Service service) {
    Service.Builder b = service.toBuilder();
    if (service.hasSpec()) {
      b.setSpec(redact(service.getSpec()));
    }
    if (service.hasPreviousSpec()) {
      b.setPreviousSpec(redact(service.getPreviousSpec()));
    }
    return b.build();
  }

  /** The task as the control API shows it: its spec's credentials redacted. */
  static Task redact(Task task) {
    return task.getSpec().getContainer().hasRegistryAuth()
        ? task.toBuilder().setSpec(redact(task.getSpec())).build()
        : task;
  }

  private static ServiceSpec redact(ServiceSpec spec) {
    return spec.getTask().getContainer().hasRegistryAuth()
        ? spec.toBuilder().setTask(redact(spec.getTask())).build()
        : spec;
  }

  private static TaskSpec redact(TaskSpec task) {
    ContainerSpec container = task.getContainer();
    if (!container.hasRegistryAuth()) {
      return task;
    }
    RegistryPullAuth shown = RegistryPullAuth.newBuilder().setServer(container.getRegistryAuth().getServer()).build();
    return task.toBuilder().setContainer(container.toBuilder().setRegistryAuth(shown)).build();
  }

  private static boolean hasSecret(RegistryPullAuth auth) {
    return !auth.getPassword().isEmpty() || !auth.getIdentityToken().isEmpty();
  }
}
