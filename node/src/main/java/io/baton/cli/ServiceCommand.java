package io.baton.cli;

import io.baton.api.ContainerSpec;
import io.baton.api.ControlGrpc;
import io.baton.api.CreateServiceRequest;
import io.baton.api.GetServiceRequest;
import io.baton.api.GlobalService;
import io.baton.api.ListNodesRequest;
import io.baton.api.ListServicesRequest;
import io.baton.api.ListTasksRequest;
import io.baton.api.RemoveServiceRequest;
import io.baton.api.ReplicatedService;
import io.baton.api.SecretReference;
import io.baton.api.ServiceInfo;
import io.baton.api.ServiceSpec;
import io.baton.api.Task;
import io.baton.api.UpdateServiceRequest;
import io.baton.node.NodeException;
import io.baton.cli.transport.CliTransport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code baton service ...}: create, list, inspect, update, scale, roll back and remove services. */
@Command(name = "service", description = "Manage services.",
    subcommands = {ServiceCommand.Create.class, ServiceCommand.Ls.class, ServiceCommand.Ps.class,
        ServiceCommand.Inspect.class, ServiceCommand.Update.class, ServiceCommand.Rollback.class,
        ServiceCommand.Scale.class, ServiceCommand.Rm.class, ServiceLogsCommand.class})
final class ServiceCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "missing command: use create, ls, ps, inspect, update, rollback, scale, rm or logs");
  }

  @Command(name = "create", description = "Create a service.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ServiceFlags flags;
    @Option(names = "--name", required = true, description = "Service name.") String name;
    @Option(names = "--replicas", paramLabel = "N", description = "Number of tasks (replicated mode).") Long replicas;
    @Option(names = "--mode", paramLabel = "replicated|global", defaultValue = "replicated", description = "Service mode.") String mode;
    @Option(names = "--constraint", paramLabel = "EXPR", description = "Placement constraint, e.g. node.labels.zone==a (repeatable).")
    List<String> constraints = new ArrayList<>();
    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Environment variable (repeatable).")
    List<String> env = new ArrayList<>();
    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "Service label (repeatable).")
    Map<String, String> labels = new LinkedHashMap<>();
    @Option(names = "--secret", paramLabel = "NAME[,target=FILE,mode=M,uid=N,gid=N]",
        description = "Secret the tasks read at /run/secrets/FILE (repeatable).")
    List<String> secrets = new ArrayList<>();
    @Option(names = {"-w", "--workdir"}, description = "Working directory inside the task.") String workdir;
    @Option(names = {"-u", "--user"}, description = "User the task runs as.") String user;
    @Parameters(index = "0", paramLabel = "IMAGE", description = "Image.") String image;
    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "Command and arguments.") List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException, NodeException {
      ServiceSpec.Builder spec = ServiceSpec.newBuilder().setName(name).putAllLabels(labels);
      switch (mode) {
        case "replicated" -> spec.setReplicated(ReplicatedService.newBuilder().setReplicas(replicas == null ? 1 : checked(replicas)));
        case "global" -> {
          if (replicas != null) {
            throw new UsageError("--replicas cannot be used with --mode global");
          }
          spec.setGlobal(GlobalService.getDefaultInstance());
        }
        default -> throw new UsageError("invalid --mode '" + mode + "': use replicated or global");
      }
      ContainerSpec.Builder container = spec.getTaskBuilder().getContainerBuilder()
          .setImage(image).addAllCommand(command).addAllEnv(ServiceFlags.keyValues("--env", env));
      if (workdir != null) {
        container.setDir(workdir);
      }
      if (user != null) {
        container.setUser(user);
      }
      for (String secret : secrets) {
        container.addSecrets(SecretFlags.parse("--secret", secret));
      }
      spec.getTaskBuilder().getPlacementBuilder().addAllConstraints(constraints);
      flags.applyTo(spec);
      flags.applyRegistryAuth(spec);
      try (CliTransport transport = BatonCli.connection(this.spec).open()) {
        ServiceInfo created = transport.unary(ControlGrpc.getCreateServiceMethod(),
            CreateServiceRequest.newBuilder().setSpec(spec).build());
        System.out.println(created.getService().getId());
        return flags.detach ? 0 : Convergence.await(transport, created.getService().getId(), System.out, flags.quiet);
      }
    }
  }

  @Command(name = "ls", aliases = "list", description = "List services.")
  static final class Ls implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--format", paramLabel = "table|json", defaultValue = "table") String format;
    @Option(names = {"-q", "--quiet"}, description = "Only display IDs.") boolean quiet;

    @Override
    public Integer call() {
      OutputFormat out = OutputFormat.of(format);
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        List<ServiceInfo> services = transport.unary(ControlGrpc.getListServicesMethod(),
            ListServicesRequest.getDefaultInstance()).getServicesList();
        if (quiet) {
          services.forEach(s -> System.out.println(s.getService().getId()));
        } else if (out == OutputFormat.JSON) {
          System.out.println(ServiceJson.services(services));
        } else {
          Table table = new Table("ID", "NAME", "MODE", "REPLICAS", "IMAGE");
          for (ServiceInfo s : services) {
            table.add(s.getService().getId(), s.getService().getSpec().getName(), ServiceJson.mode(s),
                s.getRunningTasks() + "/" + s.getDesiredTasks(), s.getService().getSpec().getTask().getContainer().getImage());
          }
          table.print(System.out);
        }
        return 0;
      }
    }
  }

  @Command(name = "ps", description = "List the tasks of a service.")
  static final class Ps implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "SERVICE") String service;
    @Option(names = "--format", paramLabel = "table|json", defaultValue = "table") String format;
    @Option(names = {"-q", "--quiet"}, description = "Only display IDs.") boolean quiet;

    @Override
    public Integer call() {
      OutputFormat out = OutputFormat.of(format);
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        List<Task> tasks = new ArrayList<>(transport.unary(ControlGrpc.getListTasksMethod(),
            ListTasksRequest.newBuilder().setService(service).build()).getTasksList());
        tasks.sort(Comparator.comparingLong(Task::getSlot).thenComparing(Task::getNodeId)
            .thenComparing(t -> -t.getMeta().getCreatedAtMs()));
        Map<String, String> hostnames = new HashMap<>();
        transport.unary(ControlGrpc.getListNodesMethod(), ListNodesRequest.getDefaultInstance()).getNodesList()
            .forEach(n -> hostnames.put(n.getNode().getId(), n.getNode().getDescription().getHostname()));
        if (quiet) {
          tasks.forEach(t -> System.out.println(t.getId()));
        } else if (out == OutputFormat.JSON) {
          System.out.println(ServiceJson.tasks(tasks, hostnames));
        } else {
          Table table = new Table("ID", "NAME", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR");
          for (Task t : tasks) {
            String name = t.getServiceName() + "." + (t.getSlot() > 0 ? String.valueOf(t.getSlot()) : t.getNodeId());
            table.add(t.getId(), name, hostnames.getOrDefault(t.getNodeId(), t.getNodeId()),
                ServiceJson.state(t.getDesiredState()), ServiceJson.state(t.getStatus().getState()),
                t.getStatus().getError().isEmpty() ? t.getStatus().getMessage() : t.getStatus().getError());
          }
          table.print(System.out);
        }
        return 0;
      }
    }
  }

  @Command(name = "inspect", description = "Show one service in detail (JSON).")
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "SERVICE") String service;
    @Option(names = "--format", paramLabel = "json", defaultValue = "json") String format;

    @Override
    public Integer call() {
      OutputFormat.requireJson(format, "service inspect");
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        System.out.println(ServiceJson.service(transport.unary(ControlGrpc.getGetServiceMethod(),
            GetServiceRequest.newBuilder().setService(service).build())));
        return 0;
      }
    }
  }

  @Command(name = "update", description = "Update a service (rolling update).")
  static final class Update implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ServiceFlags flags;
    @Parameters(index = "0", paramLabel = "SERVICE") String service;
    @Option(names = "--image", description = "New image.") String image;
    @Option(names = "--replicas", paramLabel = "N", description = "Number of tasks.") Long replicas;
    @Option(names = "--args", arity = "1..*", paramLabel = "ARG", description = "New command and arguments.") List<String> args;
    @Option(names = "--env-add", paramLabel = "KEY=VALUE", description = "Add or replace an environment variable.") List<String> envAdd = new ArrayList<>();
    @Option(names = "--env-rm", paramLabel = "KEY", description = "Remove an environment variable.") List<String> envRm = new ArrayList<>();
    @Option(names = "--constraint-add", paramLabel = "EXPR", description = "Add a placement constraint.") List<String> constraintAdd = new ArrayList<>();
    @Option(names = "--constraint-rm", paramLabel = "EXPR", description = "Remove a placement constraint.") List<String> constraintRm = new ArrayList<>();
    @Option(names = "--secret-add", paramLabel = "NAME[,target=FILE,...]", description = "Add or replace a secret.") List<String> secretAdd = new ArrayList<>();
    @Option(names = "--secret-rm", paramLabel = "NAME", description = "Remove a secret.") List<String> secretRm = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException, NodeException {
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        ServiceInfo current = transport.unary(ControlGrpc.getGetServiceMethod(),
            GetServiceRequest.newBuilder().setService(service).build());
        ServiceSpec.Builder next = current.getService().getSpec().toBuilder();
        if (replicas != null) {
          if (next.hasGlobal()) {
            throw new UsageError("--replicas cannot be used with a global service");
          }
          next.setReplicated(ReplicatedService.newBuilder().setReplicas(checked(replicas)));
        }
        ContainerSpec.Builder container = next.getTaskBuilder().getContainerBuilder();
        if (image != null) {
          container.setImage(image);
        }
        if (args != null) {
          container.clearCommand().addAllCommand(args);
        }
        List<String> env = new ArrayList<>(container.getEnvList());
        for (String add : ServiceFlags.keyValues("--env-add", envAdd)) {
          String key = add.substring(0, add.indexOf('='));
          env.removeIf(e -> e.startsWith(key + "="));
          env.add(add);
        }
        envRm.forEach(key -> env.removeIf(e -> e.startsWith(key + "=")));
        container.clearEnv().addAllEnv(env);
        List<SecretReference> secrets = new ArrayList<>(container.getSecretsList());
        for (String rm : secretRm) {
          if (!secrets.removeIf(r -> r.getSecretName().equals(rm) || r.getSecretId().equals(rm))) {
            throw new UsageError("service " + service + " has no secret '" + rm + "'");
          }
        }
        for (String add : secretAdd) {
          SecretReference ref = SecretFlags.parse("--secret-add", add);
          secrets.removeIf(r -> r.getSecretName().equals(ref.getSecretName()));
          secrets.add(ref);
        }
        container.clearSecrets().addAllSecrets(secrets);
        var placement = next.getTaskBuilder().getPlacementBuilder();
        List<String> constraints = new ArrayList<>(placement.getConstraintsList());
        constraints.removeAll(constraintRm);
        constraints.addAll(constraintAdd);
        placement.clearConstraints().addAllConstraints(constraints);
        flags.applyTo(next);
        flags.applyRegistryAuth(next);
        ServiceInfo updated = transport.unary(ControlGrpc.getUpdateServiceMethod(), UpdateServiceRequest.newBuilder()
            .setService(current.getService().getId()).setSpec(next)
            .setSpecVersion(current.getService().getSpecVersion()).build());
        System.out.println(updated.getService().getSpec().getName());
        return flags.detach ? 0 : Convergence.await(transport, updated.getService().getId(), System.out, flags.quiet);
      }
    }
  }

  @Command(name = "rollback", description = "Go back to a service's previous spec.")
  static final class Rollback implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "SERVICE") String service;
    @Option(names = {"-d", "--detach"}, description = "Exit immediately instead of waiting.") boolean detach;
    @Option(names = {"-q", "--quiet"}, description = "Suppress progress output.") boolean quiet;

    @Override
    public Integer call() throws InterruptedException {
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        ServiceInfo rolled = transport.unary(ControlGrpc.getUpdateServiceMethod(),
            UpdateServiceRequest.newBuilder().setService(service).setRollback(true).build());
        System.out.println(rolled.getService().getSpec().getName());
        return detach ? 0 : Convergence.await(transport, rolled.getService().getId(), System.out, quiet);
      }
    }
  }

  @Command(name = "scale", description = "Set the replica count of services: NAME=N ...")
  static final class Scale implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(arity = "1..*", paramLabel = "SERVICE=REPLICAS") List<String> targets;
    @Option(names = {"-d", "--detach"}, description = "Exit immediately instead of waiting.") boolean detach;

    @Override
    public Integer call() throws InterruptedException {
      Map<String, Long> wanted = new LinkedHashMap<>();
      for (String target : targets) {
        int eq = target.lastIndexOf('=');
        if (eq <= 0) {
          throw new UsageError("invalid scale target '" + target + "': use SERVICE=REPLICAS");
        }
        try {
          wanted.put(target.substring(0, eq), checked(Long.parseLong(target.substring(eq + 1))));
        } catch (NumberFormatException e) {
          throw new UsageError("invalid replica count in '" + target + "'");
        }
      }
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        int code = 0;
        for (var entry : wanted.entrySet()) {
          ServiceInfo current = transport.unary(ControlGrpc.getGetServiceMethod(),
              GetServiceRequest.newBuilder().setService(entry.getKey()).build());
          if (current.getService().getSpec().hasGlobal()) {
            throw new UsageError("service " + entry.getKey() + " is global; it cannot be scaled");
          }
          ServiceSpec next = current.getService().getSpec().toBuilder()
              .setReplicated(ReplicatedService.newBuilder().setReplicas(entry.getValue())).build();
          transport.unary(ControlGrpc.getUpdateServiceMethod(), UpdateServiceRequest.newBuilder()
              .setService(current.getService().getId()).setSpec(next)
              .setSpecVersion(current.getService().getSpecVersion()).build());
          System.out.println(entry.getKey() + " scaled to " + entry.getValue());
          if (!detach) {
            code = Math.max(code, Convergence.await(transport, current.getService().getId(), System.out, false));
          }
        }
        return code;
      }
    }
  }

  @Command(name = "rm", aliases = "remove", description = "Remove services.")
  static final class Rm implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(arity = "1..*", paramLabel = "SERVICE") List<String> services;

    @Override
    public Integer call() {
      try (CliTransport transport = BatonCli.connection(spec).open()) {
        for (String service : services) {
          transport.unary(ControlGrpc.getRemoveServiceMethod(), RemoveServiceRequest.newBuilder().setService(service).build());
          System.out.println(service);
        }
        return 0;
      }
    }
  }

  static long checked(long replicas) {
    if (replicas < 0) {
      throw new UsageError("replicas must not be negative");
    }
    return replicas;
  }

}
