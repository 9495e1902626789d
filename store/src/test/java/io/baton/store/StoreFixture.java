package io.baton.store;

import io.baton.api.Cluster;
import io.baton.api.Node;
import io.baton.api.NodeRole;
import io.baton.api.NodeSpec;
import io.baton.api.Service;
import io.baton.api.ServiceSpec;
import io.baton.api.Task;
import io.baton.api.TaskState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;

/** Shared helpers of the store tests: one TLS identity per JVM, free ports, configs, objects. */
final class StoreFixture {

  static final String CLUSTER_ID = "c0ffee0000000000000000001";
  static final String PEER_ID = "m1";
  static final Duration LEADER_TIMEOUT = Duration.ofSeconds(20);

  private static TestTls tls;

  private StoreFixture() {}

  static synchronized TestTls tls() {
    if (tls == null) {
      try {
        Path dir = Files.createTempDirectory("baton-store-tls");
        dir.toFile().deleteOnExit();
        tls = TestTls.generate(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
    return tls;
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static StoreConfig config(Path raftDir) {
    try {
      return StoreConfig.defaults(
          raftDir,
          PEER_ID,
          new InetSocketAddress("127.0.0.1", freePort()),
          tls().raftTls());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static RatisClusterStore bootstrapped(StoreConfig cfg) throws StoreException {
    RatisClusterStore store = RatisClusterStore.bootstrap(cfg, CLUSTER_ID);
    try {
      store.awaitLeader(LEADER_TIMEOUT);
    } catch (StoreException | RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  static RatisClusterStore reopened(StoreConfig cfg) throws StoreException {
    RatisClusterStore store = RatisClusterStore.open(cfg, CLUSTER_ID);
    try {
      store.awaitLeader(LEADER_TIMEOUT);
    } catch (StoreException | RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  static Cluster cluster() {
    return Cluster.newBuilder().setId(CLUSTER_ID).build();
  }

  static Node node(String id) {
    return Node.newBuilder()
        .setId(id)
        .setRole(NodeRole.NODE_ROLE_WORKER)
        .setSpec(NodeSpec.newBuilder().setDesiredRole(NodeRole.NODE_ROLE_WORKER))
        .build();
  }

  static Service service(String id) {
    return Service.newBuilder()
        .setId(id)
        .setSpec(ServiceSpec.newBuilder().setName("svc-" + id))
        .setSpecVersion(1)
        .build();
  }

  /** A task of {@code serviceId} on {@code nodeId} (empty: unassigned). */
  static Task task(String id, String serviceId, String nodeId) {
    return Task.newBuilder()
        .setId(id)
        .setServiceId(serviceId)
        .setNodeId(nodeId)
        .setDesiredState(TaskState.TASK_STATE_RUNNING)
        .build();
  }

  /** Adds {@code delta} to the numeric label {@code key} of node {@code id} in one update. */
  static void addToLabel(ClusterStore store, String id, String key, int delta)
      throws StoreException {
    store.update(
        tx -> {
          Node n = tx.node(id).orElseThrow();
          int value = Integer.parseInt(n.getSpec().getLabelsOrDefault(key, "0"));
          tx.put(
              n.toBuilder()
                  .setSpec(n.getSpec().toBuilder().putLabels(key, Integer.toString(value + delta)))
                  .build());
          return null;
        });
  }
}
