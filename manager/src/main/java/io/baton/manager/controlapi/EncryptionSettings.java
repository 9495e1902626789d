package io.baton.manager.controlapi;

import com.google.protobuf.ByteString;
import io.baton.api.Cluster;
import io.baton.api.Toggle;
import io.baton.api.UnlockKeyInfo;
import io.baton.ca.UnlockKey;
import io.baton.manager.GrpcErrors;
import io.baton.store.encryption.DataKeys;
import java.security.SecureRandom;

/**
 * The cluster object's encryption settings as the control API changes them: autolock with its
 * unlock key, and the store's data keys. Runs where writes run (the leader), which chooses the
 * random key material and stores it in the entry, so applying it stays deterministic.
 *
 * <p>Turning autolock on also adds a data key: everything written from then on is under a key that
 * was never on any disk outside the unlock key's protection.
 */
final class EncryptionSettings {
  private EncryptionSettings() {}

  /** {@code cluster} with autolock switched as {@code autolock} says and, if asked, a new data key. */
  static Cluster update(Cluster cluster, Toggle autolock, boolean rotateDataKey, SecureRandom random, long nowMs) {
    Cluster.Builder next = cluster.toBuilder();
    boolean on = cluster.getSpec().getAutolock();
    boolean newDataKey = rotateDataKey;
    switch (autolock) {
      case TOGGLE_ON -> {
        if (!on) {
          next.getSpecBuilder().setAutolock(true);
          next.setUnlockKey(ByteString.copyFrom(UnlockKey.generate(random).secret()));
          newDataKey = true;
        }
      }
      case TOGGLE_OFF -> {
        next.getSpecBuilder().setAutolock(false);
        next.setUnlockKey(ByteString.EMPTY);
      }
      case TOGGLE_UNCHANGED -> {}
      case UNRECOGNIZED -> throw GrpcErrors.invalid("unknown autolock setting");
    }
    if (newDataKey) {
      DataKeys rotated = new DataKeys(cluster.getDataKeysList()).rotated(random, nowMs);
      next.clearDataKeys().addAllDataKeys(rotated.keys());
    }
    return next.build();
  }

  /** Id of the data key the store encrypts with now; 0 before the cluster has one. */
  static int currentDataKeyId(Cluster cluster) {
    int n = cluster.getDataKeysCount();
    return n == 0 ? 0 : cluster.getDataKeys(n - 1).getId();
  }

  /** {@code cluster} with a new unlock key. */
  static Cluster rotateUnlockKey(Cluster cluster, SecureRandom random) {
    requireAutolock(cluster);
    return cluster.toBuilder().setUnlockKey(ByteString.copyFrom(UnlockKey.generate(random).secret())).build();
  }

  static UnlockKeyInfo unlockKey(Cluster cluster) {
    requireAutolock(cluster);
    return UnlockKeyInfo.newBuilder()
        .setUnlockKey(UnlockKey.of(cluster.getUnlockKey().toByteArray()).toString())
        .build();
  }

  private static void requireAutolock(Cluster cluster) {
    if (!cluster.getSpec().getAutolock() || cluster.getUnlockKey().isEmpty()) {
      throw GrpcErrors.failedPrecondition(
          "autolock is off, so there is no unlock key; turn it on with 'baton cluster update --autolock true'");
    }
  }
}
