package io.baton.manager;

import io.baton.ca.UnlockKey;
import io.baton.store.encryption.DataKeys;
import io.baton.api.Availability;
import io.baton.api.Cluster;
import io.baton.api.ClusterSpec;
import io.baton.api.ExternalCfsslCa;
import io.baton.api.IssuanceState;
import io.baton.api.JoinTokens;
import io.baton.api.Node;
import io.baton.api.NodeCertificate;
import io.baton.api.NodeRole;
import io.baton.api.NodeSpec;
import io.baton.api.NodeState;
import io.baton.api.NodeStatus;
import io.baton.api.RootCA;
import io.baton.ca.IssuedCertificate;
import io.baton.ca.JoinToken;
import io.baton.ca.CaDigest;
import io.baton.ca.CfsslSigner;
import io.baton.ca.LocalRootSigner;
import io.baton.ca.NodeCertificateSigner;
import io.baton.ca.Pem;
import io.baton.store.ClusterStore;
import io.baton.store.StoreException;
import com.google.protobuf.ByteString;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Writes the objects of a new cluster: the cluster (root CA, join tokens, settings) and its first
 * manager. The join tokens carry the digest of the signer's root, whoever holds its key.
 */
public final class ClusterBootstrap {
  private ClusterBootstrap() {}

  /**
   * Settings chosen at {@code init}.
   *
   * @param dataKeys the store's first data keys (the ones its first entries are encrypted with)
   * @param unlockKey the unlock key with autolock, else null
   * @param joinApproval joined nodes wait for {@code node accept}
   */
  public record Settings(
      Duration nodeCertExpiry, Duration heartbeatPeriod, DataKeys dataKeys, UnlockKey unlockKey, boolean joinApproval) {
    @Override
    public String toString() {
      return "Settings[certExpiry=" + nodeCertExpiry + ", heartbeat=" + heartbeatPeriod + ", autolock="
          + (unlockKey != null) + ", joinApproval=" + joinApproval + "]";
    }
  }

  /** The first manager: its id, its issued certificate and where other nodes reach it. */
  public record FirstManager(String nodeId, IssuedCertificate certificate, String advertiseAddr, Map<String, String> labels) {}

  public static void initialize(
      ClusterStore store, String clusterId, NodeCertificateSigner signer, Settings settings, FirstManager manager,
      SecureRandom random) throws StoreException {
    String digest = CaDigest.of(signer.root());
    Cluster cluster = Cluster.newBuilder()
        .setId(clusterId)
        .setSpec(ClusterSpec.newBuilder()
            .setNodeCertExpirySeconds(settings.nodeCertExpiry().toSeconds())
            .setHeartbeatPeriodMs(settings.heartbeatPeriod().toMillis())
            .setAutolock(settings.unlockKey() != null)
            .setJoinApproval(settings.joinApproval()))
        .addAllDataKeys(settings.dataKeys().keys())
        .setUnlockKey(settings.unlockKey() == null
            ? com.google.protobuf.ByteString.EMPTY
            : com.google.protobuf.ByteString.copyFrom(settings.unlockKey().secret()))
        .setRootCa(rootCaRecord(signer))
        .setJoinTokens(JoinTokens.newBuilder()
            .setWorker(JoinToken.generate(digest, random).toString())
            .setManager(JoinToken.generate(digest, random).toString()))
        .build();
    Node node = Node.newBuilder()
        .setId(manager.nodeId())
        .setRole(NodeRole.NODE_ROLE_MANAGER)
        .setSpec(NodeSpec.newBuilder()
            .setDesiredRole(NodeRole.NODE_ROLE_MANAGER)
            .setAvailability(Availability.AVAILABILITY_ACTIVE)
            .putAllLabels(manager.labels()))
        .setStatus(NodeStatus.newBuilder().setState(NodeState.NODE_STATE_UNKNOWN).setMessage("starting"))
        .setCertificate(NodeCertificate.newBuilder()
            .setState(IssuanceState.ISSUANCE_STATE_ISSUED)
            .setCertificatePem(manager.certificate().chainPem())
            .setNotAfterMs(manager.certificate().notAfter().toEpochMilli())
            .setSerial(manager.certificate().serialHex()))
        .setManagerAddr(manager.advertiseAddr())
        .build();
    store.update(tx -> {
      tx.put(cluster);
      tx.put(node);
      return null;
    });
  }

  /**
   * The cluster's root as stored: with the managers' own root its key too; with an external CA only
   * the CFSSL's root certificate and where to reach it, since no manager holds that root's key.
   */
  private static RootCA rootCaRecord(NodeCertificateSigner signer) {
    RootCA.Builder record = RootCA.newBuilder()
        .setCaCertPem(Pem.encodeCertificates(List.of(signer.root())))
        .setDigest(CaDigest.of(signer.root()));
    return switch (signer) {
      case LocalRootSigner local -> record.setCaKeyPem(local.rootCa().keyPem()).build();
      case CfsslSigner cfssl -> {
        ExternalCfsslCa.Builder external = ExternalCfsslCa.newBuilder()
            .setUrl(cfssl.endpoint().baseUrl().toString());
        if (cfssl.endpoint().hasAuthKey()) {
          external.setAuthKey(ByteString.copyFrom(cfssl.endpoint().authKey()));
        }
        yield record.setExternalCa(external).build();
      }
    };
  }
}
