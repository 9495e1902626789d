package io.baton.cli;

import io.baton.api.ControlGrpc;
import io.baton.api.GetJoinTokensRequest;
import io.baton.api.JoinTokens;
import io.baton.api.ListNodesRequest;
import io.baton.api.NodeInfo;
import io.baton.api.NodeRole;
import io.baton.api.RotateJoinTokenRequest;
import io.baton.cli.transport.CliTransport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code baton join-token worker|manager [--rotate] [-q]}: shows or rotates a join token. */
@Command(name = "join-token", description = "Show or rotate the join token of a role.")
final class JoinTokenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "worker|manager", description = "Which token.")
  String role;

  @Option(names = "--rotate", description = "Replace the token; the old one is refused from now on.")
  boolean rotate;

  @Option(names = {"-q", "--quiet"}, description = "Print only the token.")
  boolean quiet;

  @Override
  public Integer call() {
    NodeRole which = switch (role) {
      case "worker" -> NodeRole.NODE_ROLE_WORKER;
      case "manager" -> NodeRole.NODE_ROLE_MANAGER;
      default -> throw new UsageError("unknown role '" + role + "': use worker or manager");
    };
    try (CliTransport transport = BatonCli.connection(spec).open()) {
      JoinTokens tokens = rotate
          ? transport.unary(ControlGrpc.getRotateJoinTokenMethod(), RotateJoinTokenRequest.newBuilder().setRole(which).build())
          : transport.unary(ControlGrpc.getGetJoinTokensMethod(), GetJoinTokensRequest.getDefaultInstance());
      String token = which == NodeRole.NODE_ROLE_MANAGER ? tokens.getManager() : tokens.getWorker();
      if (quiet) {
        System.out.println(token);
        return 0;
      }
      if (rotate) {
        System.out.println("Successfully rotated " + role + " join token.");
        System.out.println();
      }
      String addr = transport.unary(ControlGrpc.getListNodesMethod(), ListNodesRequest.getDefaultInstance())
          .getNodesList().stream().filter(NodeInfo::getSelf).map(n -> n.getNode().getManagerAddr())
          .findFirst().orElse("MANAGER_HOST:PORT");
      System.out.println("To add a " + role + " to this cluster, run the following command:");
      System.out.println();
      System.out.println("    baton join --state-dir DIR --token " + token + " " + addr);
      System.out.println();
      return 0;
    }
  }
}
