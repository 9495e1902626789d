package io.baton.store;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** The Ratis properties and parameters of a store peer, derived from its {@link StoreConfig}. */
final class RaftSettings {

  /**
   * Election timeout range. Loopback and LAN round trips are a few milliseconds and fsync tens, so
   * 300-600 ms detects a dead leader quickly without spurious elections.
   */
  static final TimeDuration ELECTION_TIMEOUT_MIN = TimeDuration.valueOf(300, TimeUnit.MILLISECONDS);

  static final TimeDuration ELECTION_TIMEOUT_MAX = TimeDuration.valueOf(600, TimeUnit.MILLISECONDS);

  /**
   * The first election after start: shorter, so a restarted single manager serves within a
   * fraction of a second; pre-vote keeps it from disturbing a live leader of a larger group.
   */
  static final TimeDuration FIRST_ELECTION_TIMEOUT_MIN =
      TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);

  static final TimeDuration FIRST_ELECTION_TIMEOUT_MAX =
      TimeDuration.valueOf(200, TimeUnit.MILLISECONDS);

  /**
   * Log segment size: store objects are a few KiB, so 8 MiB holds thousands of entries, and purge
   * after a snapshot frees space in reasonable steps.
   */
  static final SizeInBytes SEGMENT_SIZE_MAX = SizeInBytes.valueOf("8MB");

  /** Disk preallocated per segment write, Ratis's default: large enough to avoid many extents. */
  static final SizeInBytes SEGMENT_PREALLOCATED = SizeInBytes.valueOf("4MB");

  /**
   * How long a joining manager may go without catching up before the leader gives up adding it
   * (Ratis reports NOPROGRESS). Its default, a few election timeouts, is under 2 s here: too short
   * for a new peer on a loaded 2-core machine that must first install a snapshot.
   */
  static final TimeDuration STAGING_TIMEOUT = TimeDuration.valueOf(8, TimeUnit.SECONDS);

  /** Snapshots kept on disk: the newest, and one before it should the newest be damaged. */
  static final int SNAPSHOTS_RETAINED = 2;

  private RaftSettings() {}

  static RaftProperties properties(StoreConfig cfg) {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    RaftServerConfigKeys.setStorageDir(p, List.of(cfg.raftDir().toFile()));
    GrpcConfigKeys.Server.setHost(p, cfg.raftAddress().getHostString());
    GrpcConfigKeys.Server.setPort(p, cfg.raftAddress().getPort());

    RaftServerConfigKeys.Rpc.setTimeoutMin(p, ELECTION_TIMEOUT_MIN);
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, ELECTION_TIMEOUT_MAX);
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, FIRST_ELECTION_TIMEOUT_MIN);
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, FIRST_ELECTION_TIMEOUT_MAX);

    RaftServerConfigKeys.setStagingTimeout(p, STAGING_TIMEOUT);
    // Read requests (ClusterStore.awaitCaughtUp) go through ReadIndex, also on followers.
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);

    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SEGMENT_SIZE_MAX);
    RaftServerConfigKeys.Log.setPreallocatedSize(p, SEGMENT_PREALLOCATED);
    RaftServerConfigKeys.Log.setCorruptionPolicy(
        p, RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION);

    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, cfg.snapshotEveryEntries());
    RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, SNAPSHOTS_RETAINED);
    return p;
  }

  /**
   * TLS for every service on the Raft port (peer, client and admin, which share it) and for
   * dialing peers: mutual authentication, TLS 1.3 only. The three-argument
   * {@code GrpcTlsConfig} constructor would leave TLS 1.2 enabled.
   */
  static Parameters parameters(RaftTls tls) {
    GrpcTlsConfig conf =
        GrpcTlsConfig.newBuilder()
            .setKeyManager(tls.keyManager())
            .setTrustManager(tls.trustManager())
            .setMutualTls(true)
            .setProtocols("TLSv1.3")
            .build();
    Parameters params = new Parameters();
    GrpcConfigKeys.TLS.setConf(params, conf);
    GrpcConfigKeys.Server.setTlsConf(params, conf);
    GrpcConfigKeys.Admin.setTlsConf(params, conf);
    GrpcConfigKeys.Client.setTlsConf(params, conf);
    return params;
  }
}
