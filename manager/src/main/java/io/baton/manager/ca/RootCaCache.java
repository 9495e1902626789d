package io.baton.manager.ca;

import io.baton.api.Cluster;
import io.baton.ca.RootCa;
import io.grpc.Status;
import java.security.GeneralSecurityException;
import java.util.concurrent.atomic.AtomicReference;

/** Parses the cluster's root CA from the store once per distinct root, for signing. Thread-safe. */
final class RootCaCache {
  private record Entry(String certPem, RootCa root) {}

  private final AtomicReference<Entry> cached = new AtomicReference<>();

  RootCa get(Cluster cluster) {
    String certPem = cluster.getRootCa().getCaCertPem();
    Entry entry = cached.get();
    if (entry != null && entry.certPem().equals(certPem)) {
      return entry.root();
    }
    try {
      RootCa root = RootCa.fromPem(certPem, cluster.getRootCa().getCaKeyPem());
      cached.set(new Entry(certPem, root));
      return root;
    } catch (GeneralSecurityException e) {
      throw Status.FAILED_PRECONDITION
          .withDescription("this manager cannot sign: the root CA key in the store is unusable")
          .asRuntimeException();
    }
  }
}
