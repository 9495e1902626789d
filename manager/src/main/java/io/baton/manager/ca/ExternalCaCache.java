package io.baton.manager.ca;

import io.baton.api.Cluster;
import io.baton.api.ExternalCfsslCa;
import io.baton.ca.CfsslEndpoint;
import io.baton.ca.CfsslSigner;
import io.baton.ca.Pem;
import io.grpc.Status;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@link CfsslSigner} for the external CA named in the cluster object, made once per distinct
 * configuration (URL, auth key, root) so its HTTP client and connections are reused. Thread-safe.
 */
final class ExternalCaCache {
  private record Entry(ExternalCfsslCa config, String rootPem, CfsslSigner signer) {}

  private final Clock clock;
  private final AtomicReference<Entry> cached = new AtomicReference<>();

  ExternalCaCache(Clock clock) {
    this.clock = clock;
  }

  CfsslSigner get(Cluster cluster) {
    ExternalCfsslCa config = cluster.getRootCa().getExternalCa();
    String rootPem = cluster.getRootCa().getCaCertPem();
    Entry entry = cached.get();
    if (entry != null && entry.config().equals(config) && entry.rootPem().equals(rootPem)) {
      return entry.signer();
    }
    try {
      CfsslEndpoint endpoint = CfsslEndpoint.of(config.getUrl(),
          config.getAuthKey().isEmpty() ? null : config.getAuthKey().toByteArray());
      CfsslSigner signer = new CfsslSigner(endpoint, Pem.decodeCertificates(rootPem).get(0), clock);
      cached.set(new Entry(config, rootPem, signer));
      return signer;
    } catch (CertificateException | IllegalArgumentException e) {
      throw Status.FAILED_PRECONDITION
          .withDescription("this manager cannot sign: the external CA settings in the store are unusable")
          .asRuntimeException();
    }
  }
}
