package io.baton.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.baton.api.ServiceInfo;
import io.baton.api.Task;
import io.baton.api.TaskState;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The JSON shapes of services and tasks for {@code --format json} (DESIGN §6), camelCase. */
final class ServiceJson {
  private ServiceJson() {}

  static String services(List<ServiceInfo> services) {
    return Json.write(g -> {
      g.writeStartArray();
      for (ServiceInfo s : services) {
        service(g, s);
      }
      g.writeEndArray();
    });
  }

  static String service(ServiceInfo info) {
    return Json.write(g -> service(g, info));
  }

  static String tasks(List<Task> tasks, Map<String, String> nodeNames) {
    return Json.write(g -> {
      g.writeStartArray();
      for (Task t : tasks) {
        task(g, t, nodeNames);
      }
      g.writeEndArray();
    });
  }

  static String mode(ServiceInfo info) {
    return info.getService().getSpec().hasGlobal() ? "global" : "replicated";
  }

  /** Lowercase task state as docker prints it: running, pending, failed... */
  static String state(TaskState state) {
    return state.name().substring("TASK_STATE_".length()).toLowerCase(Locale.ROOT);
  }

  private static void service(JsonGenerator g, ServiceInfo info) throws IOException {
    var service = info.getService();
    var spec = service.getSpec();
    g.writeStartObject();
    g.writeStringField("id", service.getId());
    g.writeStringField("name", spec.getName());
    g.writeStringField("mode", mode(info));
    g.writeNumberField("replicas", info.getDesiredTasks());
    g.writeNumberField("runningTasks", info.getRunningTasks());
    g.writeStringField("image", spec.getTask().getContainer().getImage());
    g.writeArrayFieldStart("command");
    for (String arg : spec.getTask().getContainer().getCommandList()) {
      g.writeString(arg);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("env");
    for (String env : spec.getTask().getContainer().getEnvList()) {
      g.writeString(env);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("constraints");
    for (String c : spec.getTask().getPlacement().getConstraintsList()) {
      g.writeString(c);
    }
    g.writeEndArray();
    g.writeObjectFieldStart("labels");
    for (var label : new TreeMap<>(spec.getLabelsMap()).entrySet()) {
      g.writeStringField(label.getKey(), label.getValue());
    }
    g.writeEndObject();
    g.writeNumberField("specVersion", service.getSpecVersion());
    g.writeStringField("updateState", service.hasUpdateStatus()
        ? service.getUpdateStatus().getState().name().substring("UPDATE_STATE_".length()).toLowerCase(Locale.ROOT)
        : null);
    g.writeStringField("updateMessage", service.hasUpdateStatus() ? service.getUpdateStatus().getMessage() : null);
    g.writeStringField("createdAt", Instant.ofEpochMilli(service.getMeta().getCreatedAtMs()).toString());
    g.writeStringField("updatedAt", Instant.ofEpochMilli(service.getMeta().getUpdatedAtMs()).toString());
    g.writeEndObject();
  }

  private static void task(JsonGenerator g, Task t, Map<String, String> nodeNames) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", t.getId());
    g.writeStringField("service", t.getServiceName());
    g.writeNumberField("slot", t.getSlot());
    g.writeStringField("node", t.getNodeId().isEmpty() ? null : t.getNodeId());
    g.writeStringField("nodeHostname", nodeNames.get(t.getNodeId()));
    g.writeStringField("desiredState", state(t.getDesiredState()));
    g.writeStringField("state", state(t.getStatus().getState()));
    g.writeStringField("message", t.getStatus().getMessage());
    g.writeStringField("error", t.getStatus().getError().isEmpty() ? null : t.getStatus().getError());
    g.writeNumberField("exitCode", t.getStatus().getExitCode());
    g.writeStringField("image", t.getSpec().getContainer().getImage());
    g.writeNumberField("specVersion", t.getSpecVersion());
    g.writeStringField("updatedAt", Instant.ofEpochMilli(t.getStatus().getTimestampMs()).toString());
    g.writeEndObject();
  }
}
