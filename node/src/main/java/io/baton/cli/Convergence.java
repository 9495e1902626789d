package io.baton.cli;

import io.baton.api.ControlGrpc;
import io.baton.api.GetServiceRequest;
import io.baton.api.ListTasksRequest;
import io.baton.api.ServiceInfo;
import io.baton.api.Task;
import io.baton.api.TaskState;
import io.baton.api.UpdateState;
import io.baton.cli.transport.CliTransport;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * Waits for a service to converge, as docker's {@code service create/update} do without
 * {@code --detach}: polls the service and its tasks, prints progress lines when they change, and
 * ends when every desired task runs the current spec (exit 0) or the update paused or rolled back
 * (exit 1 with the reason). Ctrl-C only stops the waiting; the service keeps converging.
 */
final class Convergence {
  private static final Duration POLL = Duration.ofMillis(200);

  private Convergence() {}

  static int await(CliTransport transport, String serviceId, PrintStream out, boolean quiet) throws InterruptedException {
    String last = "";
    while (true) {
      ServiceInfo info = transport.unary(ControlGrpc.getGetServiceMethod(),
          GetServiceRequest.newBuilder().setService(serviceId).build());
      List<Task> tasks = transport.unary(ControlGrpc.getListTasksMethod(),
          ListTasksRequest.newBuilder().setService(serviceId).build()).getTasksList();
      long version = info.getService().getTaskVersion();
      long running = tasks.stream()
          .filter(t -> t.getDesiredState() == TaskState.TASK_STATE_RUNNING)
          .filter(t -> t.getStatus().getState() == TaskState.TASK_STATE_RUNNING)
          .filter(t -> t.getSpecVersion() == version)
          .count();
      UpdateState update = info.getService().getUpdateStatus().getState();
      String line = "overall progress: " + running + " out of " + info.getDesiredTasks() + " tasks";
      if (!quiet && !line.equals(last)) {
        out.println(line);
        last = line;
      }
      if (update == UpdateState.UPDATE_STATE_PAUSED || update == UpdateState.UPDATE_STATE_ROLLBACK_PAUSED) {
        System.err.println("Error: " + info.getService().getUpdateStatus().getMessage());
        return BatonCli.EXIT_ERROR;
      }
      if (update == UpdateState.UPDATE_STATE_ROLLBACK_STARTED || update == UpdateState.UPDATE_STATE_ROLLBACK_COMPLETED) {
        if (info.getService().getUpdateStatus().getMessage().startsWith("update failed")) {
          System.err.println("Error: " + info.getService().getUpdateStatus().getMessage());
          return BatonCli.EXIT_ERROR;
        }
      }
      boolean updating = update == UpdateState.UPDATE_STATE_UPDATING || update == UpdateState.UPDATE_STATE_ROLLBACK_STARTED;
      if (running == info.getDesiredTasks() && !updating) {
        if (!quiet) {
          out.println("verify: Service " + info.getService().getSpec().getName() + " converged");
        }
        return 0;
      }
      Thread.sleep(POLL);
    }
  }
}
