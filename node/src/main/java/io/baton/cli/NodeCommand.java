package io.baton.cli;

import io.baton.api.AcceptNodeRequest;
import io.baton.api.Availability;
import io.baton.api.ControlGrpc;
import io.baton.api.GetNodeRequest;
import io.baton.api.ListNodesRequest;
import io.baton.api.NodeInfo;
import io.baton.api.NodeRole;
import io.baton.api.RemoveNodeRequest;
import io.baton.api.UpdateNodeRequest;
import io.baton.cli.transport.CliTransport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code baton node ...}: list, inspect, update, promote, demote, accept and remove nodes. */
@Command(name = "node", description = "Manage nodes.",
    subcommands = {NodeCommand.Ls.class, NodeCommand.Inspect.class, NodeCommand.Update.class,
        NodeCommand.Promote.class, NodeCommand.Demote.class, NodeCommand.Accept.class, NodeCommand.Rm.class})
final class NodeCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing command: use ls, inspect, update, promote, demote, accept or rm");
  }

  @Command(name = "ls", aliases = "list", description = "List nodes.")
  static final class Ls implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--format", paramLabel = "table|json", defaultValue = "table", description = "Output format.")
    String format;
    @Option(names = {"-q", "--quiet"}, description = "Only display IDs.")
    boolean quiet;

    @Override
    public Integer call() {
      OutputFormat out = OutputFormat.of(format);
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        List<NodeInfo> nodes = transport.unary(ControlGrpc.getListNodesMethod(), ListNodesRequest.getDefaultInstance())
            .getNodesList();
        if (quiet) {
          nodes.forEach(n -> System.out.println(n.getNode().getId()));
        } else if (out == OutputFormat.JSON) {
          System.out.println(NodeJson.array(nodes));
        } else {
          Table table = new Table("ID", "HOSTNAME", "ROLE", "STATUS", "AVAILABILITY", "MANAGER STATUS", "CERTIFICATE EXPIRY");
          for (NodeInfo info : nodes) {
            var node = info.getNode();
            String status = NodeJson.managerStatus(info.getManagerStatus());
            String expiry = NodeJson.certificateExpiry(node);
            table.add(node.getId() + (info.getSelf() ? " *" : ""), node.getDescription().getHostname(),
                NodeJson.role(node), NodeJson.status(node.getStatus().getState()),
                NodeJson.availability(node.getSpec().getAvailability()), status == null ? "" : status,
                expiry == null ? "" : expiry + (info.getCertificateExpiring() ? " (expiring: renewal failing)" : ""));
          }
          table.print(System.out);
        }
        return 0;
      }
    }
  }

  @Command(name = "inspect", description = "Show one node in detail (JSON).")
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NODE", description = "Node id, id prefix or hostname.")
    String node;
    @Option(names = "--format", paramLabel = "json", defaultValue = "json", description = "Output format (json).")
    String format;

    @Override
    public Integer call() {
      OutputFormat.requireJson(format, "node inspect");
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        NodeInfo info = transport.unary(ControlGrpc.getGetNodeMethod(), GetNodeRequest.newBuilder().setNode(node).build());
        System.out.println(NodeJson.object(info));
        return 0;
      }
    }
  }

  @Command(name = "update", description = "Update a node's availability or labels.")
  static final class Update implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NODE", description = "Node id, id prefix or hostname.")
    String node;
    @Option(names = "--availability", paramLabel = "active|pause|drain", description = "Availability of the node.")
    String availability;
    @Option(names = "--label-add", paramLabel = "KEY=VALUE", description = "Add or update a label (repeatable).")
    List<String> labelAdd = new ArrayList<>();
    @Option(names = "--label-rm", paramLabel = "KEY", description = "Remove a label (repeatable).")
    List<String> labelRm = new ArrayList<>();

    @Override
    public Integer call() {
      if (availability == null && labelAdd.isEmpty() && labelRm.isEmpty()) {
        throw new UsageError("nothing to update: give --availability, --label-add or --label-rm");
      }
      UpdateNodeRequest.Builder request = UpdateNodeRequest.newBuilder().setNode(node).addAllLabelRm(labelRm);
      if (availability != null) {
        request.setAvailability(switch (availability) {
          case "active" -> Availability.AVAILABILITY_ACTIVE;
          case "pause" -> Availability.AVAILABILITY_PAUSE;
          case "drain" -> Availability.AVAILABILITY_DRAIN;
          default -> throw new UsageError("invalid --availability '" + availability + "': use active, pause or drain");
        });
      }
      Map<String, String> add = new LinkedHashMap<>();
      for (String label : labelAdd) {
        int eq = label.indexOf('=');
        add.put(eq < 0 ? label : label.substring(0, eq), eq < 0 ? "" : label.substring(eq + 1));
      }
      request.putAllLabelAdd(add);
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        NodeInfo info = transport.unary(ControlGrpc.getUpdateNodeMethod(), request.build());
        System.out.println(info.getNode().getId());
        return 0;
      }
    }
  }

  /** Sets the role of one or more nodes, with docker's message for each. */
  private static int setRole(CommandSpec spec, List<String> nodes, NodeRole role) {
    try (CliTransport transport = BatonCli.connection(spec).open()) {
      for (String node : nodes) {
        NodeInfo info = transport.unary(ControlGrpc.getUpdateNodeMethod(),
            UpdateNodeRequest.newBuilder().setNode(node).setRole(role).build());
        System.out.println("Node " + info.getNode().getId()
            + (role == NodeRole.NODE_ROLE_MANAGER ? " promoted to a manager in the cluster." : " demoted in the cluster."));
      }
      return 0;
    }
  }

  @Command(name = "promote", description = "Promote one or more nodes to manager.")
  static final class Promote implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(arity = "1..*", paramLabel = "NODE", description = "Node id, id prefix or hostname.")
    List<String> nodes;

    @Override
    public Integer call() {
      return setRole(spec, nodes, NodeRole.NODE_ROLE_MANAGER);
    }
  }

  @Command(name = "demote", description = "Demote one or more managers to worker.")
  static final class Demote implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(arity = "1..*", paramLabel = "NODE", description = "Node id, id prefix or hostname.")
    List<String> nodes;

    @Override
    public Integer call() {
      return setRole(spec, nodes, NodeRole.NODE_ROLE_WORKER);
    }
  }

  @Command(name = "accept", description = "Admit nodes that wait for join approval (see cluster update --join-approval).")
  static final class Accept implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(arity = "1..*", paramLabel = "NODE", description = "Node id, id prefix or hostname.")
    List<String> nodes;

    @Override
    public Integer call() {
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        for (String node : nodes) {
          System.out.println(transport.unary(ControlGrpc.getAcceptNodeMethod(),
              AcceptNodeRequest.newBuilder().setNode(node).build()).getNode().getId());
        }
        return 0;
      }
    }
  }

  @Command(name = "rm", aliases = "remove", description = "Remove one or more nodes from the cluster.")
  static final class Rm implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(arity = "1..*", paramLabel = "NODE", description = "Node id, id prefix or hostname.")
    List<String> nodes;
    @Option(names = {"-f", "--force"}, description = "Remove a node that is not down; it is cut off at once.")
    boolean force;

    @Override
    public Integer call() {
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        for (String node : nodes) {
          System.out.println(transport.unary(ControlGrpc.getRemoveNodeMethod(),
              RemoveNodeRequest.newBuilder().setNode(node).setForce(force).build()).getNodeId());
        }
        return 0;
      }
    }
  }
}
