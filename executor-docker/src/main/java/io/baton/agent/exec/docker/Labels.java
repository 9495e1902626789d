package io.baton.agent.exec.docker;

/** The labels baton puts on every container it creates; the node label scopes reclaiming. */
final class Labels {
  static final String SERVICE_ID = "io.baton.service.id";
  static final String SERVICE_NAME = "io.baton.service.name";
  static final String TASK_ID = "io.baton.task.id";
  static final String TASK_SLOT = "io.baton.task.slot";
  static final String NODE_ID = "io.baton.node.id";

  private Labels() {}

  /** A docker label filter matching containers of node {@code nodeId}. */
  static String ofNode(String nodeId) {
    return NODE_ID + "=" + nodeId;
  }
}
