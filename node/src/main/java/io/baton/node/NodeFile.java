package io.baton.node;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/**
 * The contents of {@code node.json}: what a node needs to restart, and nothing secret.
 *
 * @param nodeId the id the CA assigned (certificate CN)
 * @param role {@code worker} or {@code manager}, as of the node's current certificate
 * @param clusterId the cluster id (certificate O)
 * @param managers manager addresses ({@code host:port}) the agent may open a session with
 * @param listenAddr where this node's TCP listener binds (managers)
 * @param advertiseAddr the address other nodes reach this manager at
 * @param raftAddr where this manager's Raft port binds
 * @param executor the executor this node runs tasks with: {@code docker}, {@code process}, or {@code
 *     auto} (or absent) for docker when dockerd answers at start, else process
 * @param labels labels given at init, applied to the node object
 * @param fenceAfterMs stop all tasks after this long without a manager (0: never)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NodeFile(
    String nodeId,
    String role,
    String clusterId,
    List<String> managers,
    String listenAddr,
    String advertiseAddr,
    String raftAddr,
    String executor,
    Map<String, String> labels,
    long fenceAfterMs) {

  public NodeFile {
    managers = managers == null ? List.of() : List.copyOf(managers);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  public NodeFile withManagers(List<String> next) {
    return new NodeFile(nodeId, role, clusterId, next, listenAddr, advertiseAddr, raftAddr, executor, labels, fenceAfterMs);
  }

  public NodeFile withRaftAddr(String next) {
    return new NodeFile(nodeId, role, clusterId, managers, listenAddr, advertiseAddr, next, executor, labels, fenceAfterMs);
  }

  public NodeFile withExecutor(String next) {
    return new NodeFile(nodeId, role, clusterId, managers, listenAddr, advertiseAddr, raftAddr, next, labels, fenceAfterMs);
  }

  public NodeFile withRole(String next) {
    return new NodeFile(nodeId, next, clusterId, managers, listenAddr, advertiseAddr, raftAddr, executor, labels, fenceAfterMs);
  }
}
