package io.baton.manager.controlapi;

import io.baton.api.Service;
import io.baton.manager.GrpcErrors;
import io.baton.store.ReadView;
import java.util.List;

/** Resolves a service reference (name, full id, or unique id prefix), docker-style. */
final class ServiceLookup {
  private ServiceLookup() {}

  static Service resolve(ReadView view, String ref) {
    if (ref.isBlank()) {
      throw GrpcErrors.invalid("a service name or id is required");
    }
    List<Service> services = view.services();
    for (Service s : services) {
      if (s.getSpec().getName().equals(ref) || s.getId().equals(ref)) {
        return s;
      }
    }
    List<Service> byPrefix = services.stream().filter(s -> s.getId().startsWith(ref)).toList();
    if (byPrefix.size() == 1) {
      return byPrefix.get(0);
    }
    if (byPrefix.size() > 1) {
      throw GrpcErrors.invalid("service id prefix '" + ref + "' is ambiguous; give more characters");
    }
    throw GrpcErrors.notFound("no such service: " + ref);
  }
}
