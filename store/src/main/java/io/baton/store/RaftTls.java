package io.baton.store;

import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

/**
 * The credentials of the Raft port, which speaks only mutually authenticated TLS 1.3: the key
 * manager presents this manager's certificate (to peers dialing in and when dialing out), the
 * trust manager decides which peers are accepted. Ratis checks only the chain, so the trust
 * manager must itself require a current manager certificate of this cluster. Both may be
 * reloading implementations: they are consulted on each handshake, but key material may be
 * cached per alias, so a key manager should present each new certificate under a new alias.
 */
public record RaftTls(KeyManager keyManager, TrustManager trustManager) {

  public RaftTls {
    Objects.requireNonNull(keyManager, "keyManager");
    Objects.requireNonNull(trustManager, "trustManager");
  }
}
