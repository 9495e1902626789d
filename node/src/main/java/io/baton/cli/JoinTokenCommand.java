package io.baton.cli;

import io.baton.api.ControlGrpc;
import io.baton.api.CreateJoinTokenRequest;
import io.baton.api.GetJoinTokensRequest;
import io.baton.api.JoinTokenInfo;
import io.baton.api.JoinTokens;
import io.baton.api.ListJoinTokensRequest;
import io.baton.api.ListNodesRequest;
import io.baton.api.NodeInfo;
import io.baton.api.NodeRole;
import io.baton.api.RemoveJoinTokenRequest;
import io.baton.api.RotateJoinTokenRequest;
import io.baton.cli.transport.CliTransport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code baton join-token worker|manager [--rotate] [-q]}: shows or rotates a standing join token;
 * with {@code --ttl} and/or {@code --uses} it creates an extra token instead, shown only once.
 * {@code join-token ls} lists the tokens (never their secrets), {@code join-token rm ID} removes
 * an extra one.
 */
@Command(name = "join-token", description = "Show, rotate or create join tokens.",
    subcommands = {JoinTokenCommand.Ls.class, JoinTokenCommand.Rm.class})
final class JoinTokenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "worker|manager", description = "Which token.")
  String role;

  @Option(names = "--rotate", description = "Replace the token; the old one is refused from now on.")
  boolean rotate;

  @Option(names = "--ttl", paramLabel = "DURATION", description = "Create an extra token that expires after this long (e.g. 15m).")
  String ttl;

  @Option(names = "--uses", paramLabel = "N", description = "Create an extra token good for N joins.")
  Integer uses;

  @Option(names = {"-q", "--quiet"}, description = "Print only the token.")
  boolean quiet;

  @Override
  public Integer call() {
    if (role == null) {
      throw new UsageError("say which token: worker or manager (or use ls, rm)");
    }
    NodeRole which = switch (role) {
      case "worker" -> NodeRole.NODE_ROLE_WORKER;
      case "manager" -> NodeRole.NODE_ROLE_MANAGER;
      default -> throw new UsageError("unknown role '" + role + "': use worker or manager");
    };
    boolean extra = ttl != null || uses != null;
    if (extra && rotate) {
      throw new UsageError("--rotate replaces the standing token; it cannot be combined with --ttl or --uses");
    }
    CreateJoinTokenRequest.Builder create = CreateJoinTokenRequest.newBuilder().setRole(which);
    if (ttl != null) {
      Duration d = Durations.parse("--ttl", ttl);
      if (d.toSeconds() < 60) {
        throw new UsageError("invalid --ttl '" + ttl + "': a token must live at least 1m");
      }
      create.setTtlSeconds(d.toSeconds());
    }
    if (uses != null) {
      if (uses < 1) {
        throw new UsageError("invalid --uses " + uses + ": a token must allow at least 1 join");
      }
      create.setMaxUses(uses);
    }
    try (CliTransport transport = BatonCli.connection(spec).open()) {
      String token;
      if (extra) {
        var created = transport.unary(ControlGrpc.getCreateJoinTokenMethod(), create.build());
        token = created.getToken();
        if (!quiet) {
          System.out.println("Created " + role + " join token " + created.getInfo().getId() + " ("
              + describeLimits(created.getInfo()) + "). It is shown only now.");
          System.out.println();
        }
      } else {
        JoinTokens tokens = rotate
            ? transport.unary(ControlGrpc.getRotateJoinTokenMethod(), RotateJoinTokenRequest.newBuilder().setRole(which).build())
            : transport.unary(ControlGrpc.getGetJoinTokensMethod(), GetJoinTokensRequest.getDefaultInstance());
        token = which == NodeRole.NODE_ROLE_MANAGER ? tokens.getManager() : tokens.getWorker();
        if (rotate && !quiet) {
          System.out.println("Successfully rotated " + role + " join token.");
          System.out.println();
        }
      }
      if (quiet) {
        System.out.println(token);
        return 0;
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

  private static String describeLimits(JoinTokenInfo info) {
    String expiry = info.getExpiresAtMs() == 0 ? "never expires" : "expires " + Instant.ofEpochMilli(info.getExpiresAtMs());
    String left = info.getLimited() ? info.getRemainingUses() + " uses left" : "unlimited uses";
    return expiry + ", " + left;
  }

  @Command(name = "ls", aliases = "list", description = "List join tokens (ids, roles, expiry, uses left; never secrets).")
  static final class Ls implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--format", paramLabel = "table|json", defaultValue = "table", description = "Output format.")
    String format;

    @Override
    public Integer call() {
      OutputFormat out = OutputFormat.of(format);
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        List<JoinTokenInfo> tokens = transport.unary(ControlGrpc.getListJoinTokensMethod(),
            ListJoinTokensRequest.getDefaultInstance()).getTokensList();
        if (out == OutputFormat.JSON) {
          System.out.println(Json.write(g -> {
            g.writeStartArray();
            for (JoinTokenInfo t : tokens) {
              g.writeStartObject();
              g.writeStringField("id", t.getId());
              g.writeStringField("role", NodeJson.role(t.getRole()));
              if (t.getExpiresAtMs() == 0) {
                g.writeNullField("expiresAt");
              } else {
                g.writeStringField("expiresAt", Instant.ofEpochMilli(t.getExpiresAtMs()).toString());
              }
              if (t.getLimited()) {
                g.writeNumberField("remainingUses", t.getRemainingUses());
              } else {
                g.writeNullField("remainingUses");
              }
              g.writeEndObject();
            }
            g.writeEndArray();
          }));
        } else {
          Table table = new Table("ID", "ROLE", "EXPIRES", "USES LEFT");
          for (JoinTokenInfo t : tokens) {
            table.add(t.getId(), NodeJson.role(t.getRole()),
                t.getExpiresAtMs() == 0 ? "never" : Instant.ofEpochMilli(t.getExpiresAtMs()).toString(),
                t.getLimited() ? Integer.toString(t.getRemainingUses()) : "unlimited");
          }
          table.print(System.out);
        }
        return 0;
      }
    }
  }

  @Command(name = "rm", aliases = "remove", description = "Remove extra join tokens; they are refused at once.")
  static final class Rm implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(arity = "1..*", paramLabel = "ID", description = "Token id, as join-token ls shows it.")
    List<String> ids;

    @Override
    public Integer call() {
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        for (String id : ids) {
          transport.unary(ControlGrpc.getRemoveJoinTokenMethod(), RemoveJoinTokenRequest.newBuilder().setId(id).build());
          System.out.println(id);
        }
        return 0;
      }
    }
  }
}
