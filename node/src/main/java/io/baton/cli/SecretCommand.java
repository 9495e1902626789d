package io.baton.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateSecretRequest;
import io.baton.api.GetSecretRequest;
import io.baton.api.ListSecretsRequest;
import io.baton.api.RemoveSecretRequest;
import io.baton.api.SecretInfo;
import io.baton.api.SecretSpec;
import io.baton.cli.transport.CliTransport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
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

/**
 * {@code baton secret ...}: create, list, inspect and remove secrets. A secret's value is read from
 * a file or stdin and sent to the manager; no command ever prints it (the API does not return it).
 */
@Command(name = "secret", description = "Manage secrets.",
    subcommands = {SecretCommand.Create.class, SecretCommand.Ls.class, SecretCommand.Inspect.class,
        SecretCommand.Rm.class})
final class SecretCommand implements Runnable {
  /** One byte over the manager's limit is enough to have it refused with its own message. */
  private static final int READ_LIMIT = 500 * 1024 + 1;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "missing command: use create, ls, inspect or rm");
  }

  @Command(name = "create", description = "Create a secret from a file or from stdin (-).")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", paramLabel = "FILE|-") String file;
    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "Secret label (repeatable).")
    Map<String, String> labels = new LinkedHashMap<>();
    @Option(names = "--node-constraint", paramLabel = "EXPR",
        description = "Only nodes matching this may ever receive the secret, e.g. node.labels.zone==pci (repeatable).")
    List<String> nodeConstraints = new ArrayList<>();

    @Override
    public Integer call() {
      ByteString data = read(file);
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        SecretInfo created = transport.unary(ControlGrpc.getCreateSecretMethod(), CreateSecretRequest.newBuilder()
            .setSpec(SecretSpec.newBuilder().setName(name).putAllLabels(labels).addAllNodeConstraints(nodeConstraints))
            .setData(data)
            .build());
        System.out.println(created.getId());
        return 0;
      }
    }

    private static ByteString read(String file) {
      try (InputStream in = "-".equals(file) ? System.in : Files.newInputStream(Path.of(file))) {
        return ByteString.copyFrom(in.readNBytes(READ_LIMIT));
      } catch (NoSuchFileException e) {
        throw new UsageError("no such file: " + file);
      } catch (IOException e) {
        throw new UsageError("cannot read " + file + ": " + e.getMessage());
      }
    }
  }

  @Command(name = "ls", aliases = "list", description = "List secrets.")
  static final class Ls implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--format", paramLabel = "table|json", defaultValue = "table") String format;
    @Option(names = {"-q", "--quiet"}, description = "Only display IDs.") boolean quiet;

    @Override
    public Integer call() {
      OutputFormat out = OutputFormat.of(format);
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        List<SecretInfo> secrets = transport.unary(ControlGrpc.getListSecretsMethod(),
            ListSecretsRequest.getDefaultInstance()).getSecretsList();
        if (quiet) {
          secrets.forEach(s -> System.out.println(s.getId()));
        } else if (out == OutputFormat.JSON) {
          System.out.println(Json.write(g -> {
            g.writeStartArray();
            for (SecretInfo s : secrets) {
              json(g, s);
            }
            g.writeEndArray();
          }));
        } else {
          Table table = new Table("ID", "NAME", "CREATED", "NODE CONSTRAINTS");
          for (SecretInfo s : secrets) {
            table.add(s.getId(), s.getSpec().getName(), Instant.ofEpochMilli(s.getMeta().getCreatedAtMs()).toString(),
                String.join(" ", s.getSpec().getNodeConstraintsList()));
          }
          table.print(System.out);
        }
        return 0;
      }
    }
  }

  @Command(name = "inspect", description = "Show one secret (JSON; never its value).")
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "SECRET") String secret;
    @Option(names = "--format", paramLabel = "json", defaultValue = "json") String format;

    @Override
    public Integer call() {
      OutputFormat.requireJson(format, "secret inspect");
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        SecretInfo info = transport.unary(ControlGrpc.getGetSecretMethod(),
            GetSecretRequest.newBuilder().setSecret(secret).build());
        System.out.println(Json.write(g -> json(g, info)));
        return 0;
      }
    }
  }

  @Command(name = "rm", aliases = "remove", description = "Remove secrets (refused while a service uses one).")
  static final class Rm implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(arity = "1..*", paramLabel = "SECRET") List<String> secrets;

    @Override
    public Integer call() {
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        for (String secret : secrets) {
          transport.unary(ControlGrpc.getRemoveSecretMethod(), RemoveSecretRequest.newBuilder().setSecret(secret).build());
          System.out.println(secret);
        }
        return 0;
      }
    }
  }

  private static void json(JsonGenerator g, SecretInfo s) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", s.getId());
    g.writeStringField("name", s.getSpec().getName());
    g.writeStringField("createdAt", Instant.ofEpochMilli(s.getMeta().getCreatedAtMs()).toString());
    g.writeStringField("updatedAt", Instant.ofEpochMilli(s.getMeta().getUpdatedAtMs()).toString());
    g.writeObjectFieldStart("labels");
    for (var e : new java.util.TreeMap<>(s.getSpec().getLabelsMap()).entrySet()) {
      g.writeStringField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
    g.writeArrayFieldStart("nodeConstraints");
    for (String c : s.getSpec().getNodeConstraintsList()) {
      g.writeString(c);
    }
    g.writeEndArray();
    g.writeEndObject();
  }
}
