package io.baton.node;

import io.baton.api.Cluster;
import io.baton.api.store.StoreObject;
import io.baton.ca.Credentials;
import io.baton.ca.UnlockKey;
import io.baton.store.ClusterStore;
import io.baton.store.Subscription;
import io.baton.store.encryption.DataKeys;
import io.baton.store.encryption.EncryptedCodec;
import io.baton.store.encryption.KeysDir;
import io.baton.store.encryption.KeysDir.Contents;
import io.baton.store.encryption.KeysDir.Protection;
import io.baton.store.encryption.KeysDir.Wrapping;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a manager keeps under its key-encryption key: the store's data keys in {@code keys/} and,
 * under autolock, the password of its TLS private key in {@code certificates/node.key}. The only
 * writer of both files on a manager, so a certificate renewal and a change of protection never
 * interleave.
 *
 * <p>Follows the cluster: when the store's data keys grow it rewrites them under the same KEK; when
 * autolock is turned on or off or the unlock key rotates it rewraps them under a new KEK, after
 * which the old unlock key (or the old stored KEK) opens nothing here. The order of the writes keeps
 * every crash recoverable: turning autolock on writes the keys file (with the new key password)
 * before encrypting node.key; turning it off writes node.key in the clear before the keys file.
 */
final class ManagerKeys implements EncryptedCodec.KeyringSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ManagerKeys.class);
  private static final int NODE_KEY_PASSWORD_BYTES = 32;

  private final StateDir dir;
  private final KeysDir keysDir;
  private final Supplier<Credentials> credentials;
  private final Runnable afterLocking;
  private final SecureRandom random;
  private final EncryptedCodec codec;
  private Wrapping wrapping;
  private char[] nodeKeyPassword;
  private Subscription subscription;

  private ManagerKeys(StateDir dir, DataKeys keys, Wrapping wrapping, char[] nodeKeyPassword,
      Supplier<Credentials> credentials, Runnable afterLocking, SecureRandom random) {
    this.dir = dir;
    this.keysDir = new KeysDir(dir.keysDir(), random);
    this.wrapping = wrapping;
    this.nodeKeyPassword = nodeKeyPassword;
    this.credentials = credentials;
    this.afterLocking = afterLocking;
    this.random = random;
    this.codec = new EncryptedCodec(keys, this, random);
  }

  /**
   * Writes new keys for this manager (at init, join or promotion), protected as {@code protection}
   * says, and its current credentials with them.
   */
  static ManagerKeys create(StateDir dir, DataKeys keys, Protection protection, Supplier<Credentials> credentials,
      Runnable afterLocking, SecureRandom random) throws IOException {
    KeysDir keysDir = new KeysDir(dir.keysDir(), random);
    char[] password = protection instanceof Protection.Autolock ? newPassword(random) : null;
    ManagerKeys created = new ManagerKeys(dir, keys, keysDir.newWrapping(protection), password, credentials,
        afterLocking, random);
    synchronized (created) {
      created.keysDir.write(new Contents(keys, password), created.wrapping);
      dir.writeCredentials(credentials.get(), password);
    }
    return created;
  }

  /** The keys of a restarting manager, as unwrapped from its {@code keys/}. */
  static ManagerKeys opened(StateDir dir, KeysDir.Opened opened, Supplier<Credentials> credentials,
      Runnable afterLocking, SecureRandom random) {
    return new ManagerKeys(dir, opened.contents().keys(), opened.wrapping(), opened.contents().nodeKeyPassword(),
        credentials, afterLocking, random);
  }

  /** The codec the store encrypts with. */
  EncryptedCodec codec() {
    return codec;
  }

  /** Starts following the cluster's autolock setting, and applies it once now. */
  void follow(ClusterStore store) {
    store.view().cluster().ifPresent(this::protectAsClusterSays);
    subscription = store.watch(event -> event.changed().stream()
        .filter(StoreObject::hasCluster).map(StoreObject::getCluster).forEach(this::protectAsClusterSays));
  }

  /** Writes {@code next} as this manager's credentials, the key encrypted while autolock is on. */
  synchronized void writeCredentials(Credentials next) throws IOException {
    dir.writeCredentials(next, nodeKeyPassword);
  }

  @Override
  public synchronized void store(DataKeys keys) throws IOException {
    keysDir.write(new Contents(keys, nodeKeyPassword), wrapping);
    log.info("store data key {} written to {}", keys.current().getId(), keysDir.path());
  }

  private void protectAsClusterSays(Cluster cluster) {
    Protection wanted = cluster.getSpec().getAutolock() && !cluster.getUnlockKey().isEmpty()
        ? new Protection.Autolock(UnlockKey.of(cluster.getUnlockKey().toByteArray()))
        : new Protection.Stored();
    boolean locking;
    synchronized (this) {
      if (wanted.equals(wrapping.protection())) {
        return;
      }
      locking = wrapping.protection() instanceof Protection.Stored;
      try {
        rewrap(wanted);
      } catch (IOException e) {
        log.error("cannot rewrap this manager's keys after the cluster's autolock setting changed: {}",
            e.getMessage());
        return;
      }
    }
    if (wanted instanceof Protection.Stored) {
      log.info("autolock is off: this manager's keys are wrapped by the key in {}", keysDir.path());
    } else if (locking) {
      log.info("autolock is on: this manager's keys are wrapped by the unlock key; renewing its TLS key,"
          + " which was on disk in the clear");
      afterLocking.run();
    } else {
      log.info("the unlock key was rotated: the previous key no longer unlocks this manager");
    }
  }

  private void rewrap(Protection wanted) throws IOException {
    Wrapping next = keysDir.newWrapping(wanted);
    Credentials current = credentials.get();
    if (wanted instanceof Protection.Stored) {
      dir.writeCredentials(current, null);
      keysDir.write(new Contents(codec.keys(), null), next);
      nodeKeyPassword = null;
    } else {
      char[] password = nodeKeyPassword != null ? nodeKeyPassword : newPassword(random);
      keysDir.write(new Contents(codec.keys(), password), next);
      dir.writeCredentials(current, password);
      nodeKeyPassword = password;
    }
    wrapping = next;
  }

  /** Deletes the store keys (after a demotion) and writes the node key in the clear, as a worker's. */
  synchronized void forget() throws IOException {
    close();
    dir.writeCredentials(credentials.get(), null);
    keysDir.delete();
  }

  private static char[] newPassword(SecureRandom random) {
    byte[] b = new byte[NODE_KEY_PASSWORD_BYTES];
    random.nextBytes(b);
    return Base64.getEncoder().withoutPadding().encodeToString(b).toCharArray();
  }

  @Override
  public void close() {
    Subscription s = subscription;
    if (s != null) {
      s.close();
      subscription = null;
    }
  }

  @Override
  public String toString() {
    return "ManagerKeys[" + wrapping + "]";
  }
}
