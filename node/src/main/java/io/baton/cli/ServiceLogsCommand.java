package io.baton.cli;

import io.baton.api.ControlGrpc;
import io.baton.api.ListNodesRequest;
import io.baton.api.LogEntry;
import io.baton.api.LogStream;
import io.baton.api.ServiceLogsRequest;
import io.baton.cli.transport.CliTransport;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code baton service logs NAME [-f] [--tail N]}: the output of a service's tasks, from the nodes that run them. */
@Command(name = "logs", description = "Show the output of a service's tasks.")
final class ServiceLogsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Parameters(index = "0", paramLabel = "SERVICE") String service;
  @Option(names = {"-f", "--follow"}, description = "Keep printing new output.") boolean follow;
  @Option(names = {"-n", "--tail"}, paramLabel = "N", description = "Lines per task from the end (default: all).")
  int tail;

  @Override
  public Integer call() {
    if (tail < 0) {
      throw new UsageError("--tail must not be negative");
    }
    try (CliTransport transport = BatonCli.connection(spec).open()) {
      Map<String, String> hostnames = new HashMap<>();
      transport.unary(ControlGrpc.getListNodesMethod(), ListNodesRequest.getDefaultInstance()).getNodesList()
          .forEach(n -> hostnames.put(n.getNode().getId(), n.getNode().getDescription().getHostname()));
      Iterator<LogEntry> entries = transport.serverStream(ControlGrpc.getServiceLogsMethod(),
          ServiceLogsRequest.newBuilder().setService(service).setFollow(follow).setTail(tail).build());
      while (entries.hasNext()) {
        LogEntry e = entries.next();
        String prefix = e.getServiceName() + "." + (e.getSlot() > 0 ? e.getSlot() : e.getNodeId()) + "."
            + e.getTaskId().substring(0, Math.min(12, e.getTaskId().length())) + "@"
            + hostnames.getOrDefault(e.getNodeId(), e.getNodeId());
        (e.getStream() == LogStream.LOG_STREAM_STDERR ? System.err : System.out).println(prefix + "    | " + e.getText());
      }
      return 0;
    }
  }
}
