package io.baton.manager.ca;

import io.baton.api.Cluster;
import io.baton.api.RootCA;
import io.baton.ca.Pem;
import io.baton.ca.RootCa;
import io.grpc.Status;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Parses the cluster's signing root from the store once per distinct root, for signing. While a
 * root rotation is in progress that is the new root, and issued chains end with the cross-signed
 * new root and the old root instead of the signing root itself. Thread-safe.
 */
final class RootCaCache {
  /** What the CA signs with, and what follows the leaf in the chains it returns. */
  record Signer(RootCa root, List<X509Certificate> chainTail) {}

  private record Entry(String certPem, String rotationDigest, Signer signer) {}

  private final AtomicReference<Entry> cached = new AtomicReference<>();

  Signer get(Cluster cluster) {
    RootCA stored = cluster.getRootCa();
    String certPem = stored.getCaCertPem();
    String rotationDigest = stored.getRotation().getDigest();
    Entry entry = cached.get();
    if (entry != null && entry.certPem().equals(certPem) && entry.rotationDigest().equals(rotationDigest)) {
      return entry.signer();
    }
    try {
      RootCa current = RootCa.fromPem(certPem, stored.getCaKeyPem());
      Signer signer;
      if (stored.hasRotation()) {
        RootCa next = RootCa.fromPem(stored.getRotation().getCaCertPem(), stored.getRotation().getCaKeyPem());
        X509Certificate cross = Pem.decodeCertificates(stored.getRotation().getCrossSignedCertPem()).get(0);
        signer = new Signer(next, List.of(cross, current.certificate()));
      } else {
        signer = new Signer(current, List.of(current.certificate()));
      }
      cached.set(new Entry(certPem, rotationDigest, signer));
      return signer;
    } catch (GeneralSecurityException | RuntimeException e) {
      throw Status.FAILED_PRECONDITION
          .withDescription("this manager cannot sign: the root CA key in the store is unusable")
          .asRuntimeException();
    }
  }
}
