package io.baton.agent.exec;

import java.util.regex.Pattern;

/**
 * Which task ids the agent accepts. Task ids name directories and cgroups on the node, so an id
 * from a manager (which may be compromised, DESIGN §1) must be a plain name: letters, digits,
 * {@code _ . -}, starting with a letter or digit (never {@code .} or {@code ..}), at most 128
 * characters. Real ids are 25 base36 characters.
 */
public final class TaskIds {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  private TaskIds() {}

  /** Whether the id can safely name a file or cgroup. */
  public static boolean isSafe(String id) {
    return id != null && SAFE.matcher(id).matches();
  }
}
