package io.baton.manager.dispatcher;

import com.google.protobuf.ByteString;
import io.baton.api.ContainerSpec;
import io.baton.api.Node;
import io.baton.api.NodeSpec;
import io.baton.api.Secret;
import io.baton.api.SecretReference;
import io.baton.api.SecretSpec;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import io.baton.api.TaskState;
import io.baton.api.TaskStatus;
import java.util.List;

/** Builders for the nodes, secrets and tasks dispatcher tests put in the store. */
final class Fixtures {
  private Fixtures() {}

  static Node node(String id, String key, String value) {
    return Node.newBuilder().setId(id).setSpec(NodeSpec.newBuilder().putLabels(key, value)).build();
  }

  /** A secret whose value is {@code value-<id>}. */
  static Secret secret(String id, String name, List<String> zone) {
    return Secret.newBuilder().setId(id)
        .setSpec(SecretSpec.newBuilder().setName(name).addAllNodeConstraints(zone))
        .setData(ByteString.copyFromUtf8("value-" + id)).build();
  }

  static Task task(String id, String nodeId, TaskState state, String... secretIds) {
    ContainerSpec.Builder container = ContainerSpec.newBuilder();
    for (String s : secretIds) {
      container.addSecrets(SecretReference.newBuilder().setSecretId(s).setSecretName(s).setTarget(s));
    }
    return Task.newBuilder().setId(id).setNodeId(nodeId).setServiceId("svc")
        .setSpec(TaskSpec.newBuilder().setContainer(container))
        .setDesiredState(TaskState.TASK_STATE_RUNNING)
        .setStatus(TaskStatus.newBuilder().setState(state)).build();
  }
}
