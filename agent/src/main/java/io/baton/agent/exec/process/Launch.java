package io.baton.agent.exec.process;

import io.baton.agent.exec.ExecutorException;
import io.baton.agent.exec.TaskContext;
import io.baton.api.ContainerSpec;
import io.baton.api.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a task's process is started with, checked: its argument vector and its complete environment.
 *
 * <p>Security: the environment is built from nothing, never from the agent's own (which may hold
 * credentials): a fixed {@code PATH}, {@code HOME} = the working directory, the spec's entries, the
 * agent's extra entries and baton's own {@code BATON_*} variables. Secrets are never put in it; a
 * task finds them as files under {@code BATON_SECRETS_DIR}.
 *
 * @param argv command then arguments; the command is not resolved yet
 * @param env the whole environment of the process
 */
record Launch(List<String> argv, Map<String, String> env) {
  /** A conventional PATH for system binaries, the same for every task whatever the agent's. */
  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  static final String TASK_ID = "BATON_TASK_ID";
  static final String SERVICE_NAME = "BATON_SERVICE_NAME";
  static final String TASK_SLOT = "BATON_TASK_SLOT";
  static final String SECRETS_DIR = "BATON_SECRETS_DIR";

  private static final Set<String> RESERVED = Set.of(TASK_ID, SERVICE_NAME, TASK_SLOT, SECRETS_DIR);
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  Launch {
    argv = List.copyOf(argv);
    env = Map.copyOf(env);
  }

  /**
   * Checks the task's command and environment.
   *
   * @throws ExecutorException naming the first problem: no command, a user to switch to, a
   *     malformed or reserved environment entry, a NUL character
   */
  static Launch of(Task task, TaskContext context) throws ExecutorException {
    ContainerSpec container = task.getSpec().getContainer();
    if (container.getCommandCount() == 0) {
      throw new ExecutorException("the process executor needs a command");
    }
    if (!container.getUser().isEmpty()) {
      throw new ExecutorException(
          "the process executor cannot switch to user \""
              + container.getUser()
              + "\": it runs tasks as the agent's own user");
    }
    List<String> argv = new ArrayList<>(container.getCommandList());
    argv.addAll(container.getArgsList());
    for (String arg : argv) {
      if (arg.indexOf('\0') >= 0) {
        throw new ExecutorException("the command contains a NUL character");
      }
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", DEFAULT_PATH);
    env.put("HOME", context.workDir().toString());
    for (String entry : container.getEnvList()) {
      int eq = entry.indexOf('=');
      String name = eq < 0 ? entry : entry.substring(0, eq);
      checkName(name);
      String value = entry.substring(eq < 0 ? entry.length() : eq + 1);
      if (eq < 0) {
        throw new ExecutorException("invalid env entry \"" + name + "\": want KEY=VALUE");
      }
      if (value.indexOf('\0') >= 0) {
        throw new ExecutorException("invalid env entry " + name + ": the value contains NUL");
      }
      env.put(name, value);
    }
    for (Map.Entry<String, String> extra : context.extraEnv().entrySet()) {
      checkName(extra.getKey());
      env.put(extra.getKey(), extra.getValue());
    }
    env.put(TASK_ID, task.getId());
    env.put(SERVICE_NAME, task.getServiceName());
    env.put(TASK_SLOT, Long.toUnsignedString(task.getSlot()));
    context.secretsDir().ifPresent(dir -> env.put(SECRETS_DIR, dir.toString()));
    return new Launch(argv, env);
  }

  private static void checkName(String name) throws ExecutorException {
    if (!NAME.matcher(name).matches()) {
      throw new ExecutorException(
          "invalid env entry \""
              + name
              + "\": want KEY=VALUE, KEY made of letters, digits and _, not starting with a digit");
    }
    if (RESERVED.contains(name)) {
      throw new ExecutorException("invalid env entry " + name + ": baton sets it");
    }
  }
}
