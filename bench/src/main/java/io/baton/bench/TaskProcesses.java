package io.baton.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The live task processes of the nodes under one work dir, as the OS sees them: a process counts
 * when its working directory lies under {@code work} (the process executor runs each task in a
 * directory of its node's state dir) and its environment carries the process executor's
 * {@code BATON_SERVICE_NAME}, {@code BATON_TASK_SLOT} and {@code BATON_TASK_ID}. A task is counted
 * once however many processes it has. This is what "a task runs twice" means here: two different
 * task ids of the same service slot alive at the same instant.
 *
 * <p>{@link Sampler} scans /proc every 50 ms on a thread of its own and keeps, per service, the
 * most task ids it ever saw alive at once for one slot.
 */
final class TaskProcesses {
  /** One live process of a task. */
  record TaskProcess(long pid, String service, long slot, String taskId, String node) {}

  private TaskProcesses() {}

  /** Every live task process of the nodes under {@code work}. */
  static List<TaskProcess> scan(Path work) {
    List<TaskProcess> found = new ArrayList<>();
    ProcessHandle.allProcesses().forEach(p -> read(p.pid(), work).ifPresent(found::add));
    return found;
  }

  /** Live task ids per slot of {@code service}. */
  static Map<Long, Set<String>> bySlot(List<TaskProcess> processes, String service) {
    Map<Long, Set<String>> slots = new HashMap<>();
    for (TaskProcess p : processes) {
      if (p.service().equals(service)) {
        slots.computeIfAbsent(p.slot(), s -> new HashSet<>()).add(p.taskId());
      }
    }
    return slots;
  }

  /** Stops every task process under {@code work} (SIGTERM, then SIGKILL after 5 s), by PID. */
  static void stopAll(Path work) {
    List<ProcessHandle> left = scan(work).stream().map(t -> ProcessHandle.of(t.pid())).flatMap(Optional::stream).toList();
    terminate(left, "faults: stopping %d task process(es) left by killed nodes");
  }

  /**
   * Stops {@code processes} by PID: SIGTERM, then SIGKILL to those still alive after 5 s. Says so on
   * stderr first ({@code announcement} formatted with their count, followed by their PIDs), unless
   * there are none.
   */
  static void terminate(List<ProcessHandle> processes, String announcement) {
    if (processes.isEmpty()) {
      return;
    }
    System.err.println(String.format(announcement, processes.size()) + ": PIDs "
        + processes.stream().map(p -> String.valueOf(p.pid())).toList());
    processes.forEach(ProcessHandle::destroy);
    for (ProcessHandle p : processes) {
      try {
        p.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        p.destroyForcibly();
      }
    }
  }

  private static Optional<TaskProcess> read(long pid, Path work) {
    Path proc = Path.of("/proc", Long.toString(pid));
    try {
      Path cwd = Files.readSymbolicLink(proc.resolve("cwd"));
      if (!cwd.startsWith(work) || cwd.equals(work)) {
        return Optional.empty();
      }
      Map<String, String> env = new HashMap<>();
      for (String entry : new String(Files.readAllBytes(proc.resolve("environ")), StandardCharsets.UTF_8).split("\0")) {
        int eq = entry.indexOf('=');
        if (eq > 0 && entry.startsWith("BATON_")) {
          env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
      }
      String service = env.get("BATON_SERVICE_NAME");
      String slot = env.get("BATON_TASK_SLOT");
      String task = env.get("BATON_TASK_ID");
      if (service == null || slot == null || task == null) {
        return Optional.empty();
      }
      return Optional.of(new TaskProcess(pid, service, Long.parseLong(slot), task, work.relativize(cwd).getName(0).toString()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // gone meanwhile, or not a task
    }
  }

  /** Samples the task processes under a work dir until closed. */
  static final class Sampler implements AutoCloseable {
    private final Path work;
    private final Map<String, Integer> maxPerSlot = new HashMap<>(); // guarded by this
    private final Map<String, String> worstSeen = new HashMap<>(); // guarded by this
    private volatile boolean running = true;
    private final Thread thread;

    Sampler(Path work) {
      this.work = work;
      this.thread = Thread.ofPlatform().daemon().name("task-sampler").start(this::loop);
    }

    private void loop() {
      while (running) {
        List<TaskProcess> now = scan(work);
        Map<String, Map<Long, Set<String>>> byService = new HashMap<>();
        for (TaskProcess p : now) {
          byService.computeIfAbsent(p.service(), s -> new HashMap<>())
              .computeIfAbsent(p.slot(), s -> new TreeSet<>()).add(p.taskId() + "@" + p.node());
        }
        String at = LocalTime.now().toString();
        synchronized (this) {
          byService.forEach((service, slots) -> slots.forEach((slot, ids) -> {
            if (ids.size() > maxPerSlot.getOrDefault(service, 0)) {
              maxPerSlot.put(service, ids.size());
              worstSeen.put(service, "slot " + slot + ": tasks " + ids + " at " + at);
            }
          }));
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    /** The most task ids seen alive at once for one slot of {@code service} so far. */
    synchronized int maxPerSlot(String service) {
      return maxPerSlot.getOrDefault(service, 0);
    }

    /** Which slot and tasks gave {@link #maxPerSlot}. */
    synchronized String worst(String service) {
      return worstSeen.getOrDefault(service, "none seen");
    }

    /** Forgets what was seen of {@code service}. */
    synchronized void reset(String service) {
      maxPerSlot.remove(service);
      worstSeen.remove(service);
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
    }
  }
}
