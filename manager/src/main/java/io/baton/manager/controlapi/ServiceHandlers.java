package io.baton.manager.controlapi;

import io.baton.api.CreateServiceRequest;
import io.baton.api.ListServicesResponse;
import io.baton.api.ListTasksRequest;
import io.baton.api.ListTasksResponse;
import io.baton.api.Service;
import io.baton.api.ServiceInfo;
import io.baton.api.ServiceSpec;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.UpdateServiceRequest;
import io.baton.api.UpdateState;
import io.baton.api.UpdateStatus;
import io.baton.ca.Identifiers;
import io.baton.manager.GrpcErrors;
import io.baton.store.ClusterStore;
import io.baton.store.ReadView;
import io.baton.store.StoreException;
import io.grpc.Status;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The service and task RPCs of the control API. */
final class ServiceHandlers {
  private static final Logger log = LoggerFactory.getLogger(ServiceHandlers.class);

  private final ClusterStore store;
  private final SecureRandom random;
  private final Clock clock;

  ServiceHandlers(ClusterStore store, SecureRandom random, Clock clock) {
    this.store = store;
    this.random = random;
    this.clock = clock;
  }

  ServiceInfo create(CreateServiceRequest request) throws StoreException {
    ServiceSpec spec = ServiceSpecs.normalize(request.getSpec());
    RegistryAuths.requireComplete(spec);
    String id = Identifiers.newId(random);
    Service created = store.update(tx -> {
      ServiceSpec bound = SecretReferences.bind(tx, spec);
      if (tx.services().stream().anyMatch(s -> s.getSpec().getName().equals(spec.getName()))) {
        throw Status.ALREADY_EXISTS.withDescription("service " + spec.getName() + " already exists").asRuntimeException();
      }
      Service service = Service.newBuilder().setId(id).setSpec(bound).setSpecVersion(1).setTaskVersion(1).build();
      tx.put(service);
      return service;
    });
    log.info("created service {} ({})", spec.getName(), id);
    return info(store.view(), created);
  }

  ServiceInfo update(UpdateServiceRequest request) throws StoreException {
    String id = ServiceLookup.resolve(store.view(), request.getService()).getId();
    ServiceSpec proposed = request.getRollback() ? null : ServiceSpecs.normalize(request.getSpec());
    long now = clock.millis();
    Service updated = store.update(tx -> {
      Service current = tx.service(id).orElseThrow(() -> GrpcErrors.notFound("no such service: " + request.getService()));
      if (request.getSpecVersion() != 0 && request.getSpecVersion() != current.getSpecVersion()) {
        throw Status.ABORTED.withDescription("service " + current.getSpec().getName()
            + " was changed by someone else since you read it; read it again and retry").asRuntimeException();
      }
      ServiceSpec next = request.getRollback()
          ? rollbackTarget(current)
          : RegistryAuths.carryOver(current.getSpec(), SecretReferences.bind(tx, proposed));
      checkCompatible(current.getSpec(), next);
      Service.Builder b = current.toBuilder().setSpec(next).setPreviousSpec(current.getSpec())
          .setSpecVersion(current.getSpecVersion() + 1);
      boolean taskChanged = !current.getSpec().getTask().equals(next.getTask());
      if (taskChanged) {
        b.setTaskVersion(current.getTaskVersion() + 1);
      }
      if (request.getRollback()) {
        b.setUpdateStatus(UpdateStatus.newBuilder().setState(UpdateState.UPDATE_STATE_ROLLBACK_STARTED)
            .setStartedAtMs(now).setMessage("manual rollback"));
      } else if (taskChanged) {
        b.setUpdateStatus(UpdateStatus.newBuilder().setState(UpdateState.UPDATE_STATE_UPDATING)
            .setStartedAtMs(now).setMessage("update in progress"));
      }
      Service service = b.build();
      tx.put(service);
      return service;
    });
    log.info("updated service {} to spec version {}", updated.getSpec().getName(), updated.getSpecVersion());
    return info(store.view(), updated);
  }

  ServiceInfo get(String ref) {
    ReadView view = store.view();
    return info(view, ServiceLookup.resolve(view, ref));
  }

  ListServicesResponse list() {
    ReadView view = store.view();
    return ListServicesResponse.newBuilder()
        .addAllServices(view.services().stream().map(s -> info(view, s)).toList())
        .build();
  }

  void remove(String ref) throws StoreException {
    String id = ServiceLookup.resolve(store.view(), ref).getId();
    store.update(tx -> {
      tx.deleteService(id);
      return null;
    });
    log.info("removed service {}", ref);
  }

  ListTasksResponse tasks(ListTasksRequest request) {
    ReadView view = store.view();
    List<Task> tasks = request.getService().isEmpty()
        ? view.tasks()
        : view.tasksOfService(ServiceLookup.resolve(view, request.getService()).getId());
    if (!request.getNode().isEmpty()) {
      String node = NodeLookup.resolve(view, request.getNode()).getId();
      tasks = tasks.stream().filter(t -> t.getNodeId().equals(node)).toList();
    }
    return ListTasksResponse.newBuilder().addAllTasks(tasks.stream().map(RegistryAuths::redact).toList()).build();
  }

  private static ServiceSpec rollbackTarget(Service current) {
    if (!current.hasPreviousSpec()) {
      throw Status.FAILED_PRECONDITION.withDescription("service " + current.getSpec().getName()
          + " has no previous spec to roll back to").asRuntimeException();
    }
    return current.getPreviousSpec();
  }

  private static void checkCompatible(ServiceSpec current, ServiceSpec next) {
    if (!current.getName().equals(next.getName())) {
      throw GrpcErrors.invalid("a service cannot be renamed");
    }
    if (current.hasGlobal() != next.hasGlobal()) {
      throw GrpcErrors.invalid("a service cannot change between replicated and global mode");
    }
  }

  private static ServiceInfo info(ReadView view, Service service) {
    List<Task> tasks = view.tasksOfService(service.getId());
    long running = tasks.stream()
        .filter(t -> t.getDesiredState() == TaskState.TASK_STATE_RUNNING)
        .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING)
        .count();
    long desired = service.getSpec().hasGlobal()
        ? tasks.stream().filter(t -> t.getDesiredState() == TaskState.TASK_STATE_RUNNING).count()
        : service.getSpec().getReplicated().getReplicas();
    return ServiceInfo.newBuilder()
        .setService(RegistryAuths.redact(service))
        .setRunningTasks(running)
        .setDesiredTasks(desired)
        .build();
  }
}
