package io.baton.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Process helpers: {@code bin/baton} as a long-running node ({@link Node}) or as one short CLI call
 * ({@link #run}). All times are {@link System#nanoTime()} values. Every node this class starts, and
 * every call still running, is tracked, so {@link #stopAll()} (also run from a shutdown hook) stops
 * exactly those, by their own {@link Process} handle: SIGTERM, then SIGKILL after 15 s.
 */
final class Baton {
  static final Duration STOP_GRACE = Duration.ofSeconds(15);
  private static final Set<Node> LIVE = ConcurrentHashMap.newKeySet();
  private static final Set<Process> CALLS = ConcurrentHashMap.newKeySet();

  private final Path launcher;

  /** @param root the repository root, holding {@code bin/baton} */
  Baton(Path root) {
    this.launcher = root.resolve("bin/baton");
    if (!Files.isExecutable(launcher)) {
      throw new BenchException("no executable " + launcher + "; run from the repository root (scripts/bench.sh does)");
    }
  }

  /** The outcome of one short CLI call; {@code nanos} is the wall time from spawn to exit. */
  record Result(int exitCode, String stdout, String stderr, long startNanos, long endNanos) {
    long nanos() {
      return endNanos - startNanos;
    }
  }

  /** Runs {@code bin/baton ARGS} to completion (killed after {@code timeout}) and times it. */
  Result run(Duration timeout, String... args) {
    ProcessBuilder pb = new ProcessBuilder(command(args)).redirectInput(ProcessBuilder.Redirect.from(devNull()));
    long start = System.nanoTime();
    Process p = start(pb);
    CALLS.add(p);
    CompletableFuture<String> out = readAll(p.getInputStream());
    CompletableFuture<String> err = readAll(p.getErrorStream());
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        stop(p);
        throw new BenchException("'baton " + String.join(" ", args) + "' did not finish within " + timeout.toSeconds() + " s");
      }
      long end = System.nanoTime();
      return new Result(p.exitValue(), out.join(), err.join(), start, end);
    } catch (InterruptedException e) {
      stop(p);
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    } finally {
      CALLS.remove(p);
    }
  }

  /**
   * Starts {@code bin/baton ARGS} as a long-running node. Its stderr goes to {@code log}; its stdout is
   * read line by line, and the time each line first appears is kept for {@link Node#awaitLine}.
   */
  Node start(Path log, String... args) {
    return start(List.of(), log, args);
  }

  /**
   * As {@link #start(Path, String...)}, with {@code prefix} before the launcher, e.g. {@code ip netns
   * exec NS}, which exec's it, so the PID is still the node's own.
   */
  Node start(List<String> prefix, Path log, String... args) {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(command(args));
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectInput(ProcessBuilder.Redirect.from(devNull()))
        .redirectError(log.toFile());
    long start = System.nanoTime();
    Node node = new Node(start(pb), start, log);
    LIVE.add(node);
    return node;
  }

  /** Stops every node and CLI call still running (idempotent; safe from a shutdown hook). */
  static void stopAll() {
    for (Process call : List.copyOf(CALLS)) {
      stop(call);
    }
    for (Node node : List.copyOf(LIVE)) {
      node.close();
    }
  }

  /** A loopback port P such that P and P+1 are both free now (a manager also binds P+1 for Raft). */
  static int freePortPair() {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket a = new ServerSocket()) {
        a.bind(new InetSocketAddress(loopback, 0));
        int port = a.getLocalPort();
        if (port >= 65535) {
          continue;
        }
        try (ServerSocket b = new ServerSocket()) {
          b.bind(new InetSocketAddress(loopback, port + 1));
          return port;
        } catch (IOException taken) {
          // try another pair
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new BenchException("found no free pair of loopback ports");
  }

  /** A {@code bin/baton init|join} process. */
  static final class Node implements AutoCloseable {
    private final Process process;
    private final long startNanos;
    private final Path log;
    private final List<Line> lines = new ArrayList<>(); // guarded by this
    private boolean eof; // guarded by this

    private record Line(String text, long nanos) {}

    private Node(Process process, long startNanos, Path log) {
      this.process = process;
      this.startNanos = startNanos;
      this.log = log;
      Thread.ofPlatform().daemon().name("stdout-" + process.pid()).start(this::readStdout);
    }

    private void readStdout() {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String text; (text = r.readLine()) != null; ) {
          Line line = new Line(text, System.nanoTime());
          synchronized (this) {
            lines.add(line);
            notifyAll();
          }
        }
      } catch (IOException e) {
        // the process went away
      }
      synchronized (this) {
        eof = true;
        notifyAll();
      }
    }

    /** {@link System#nanoTime()} just before the process was spawned. */
    long startNanos() {
      return startNanos;
    }

    boolean isAlive() {
      return process.isAlive();
    }

    /** The node's PID: the JVM's own, as {@code bin/baton} exec's it. */
    long pid() {
      return process.pid();
    }

    /** SIGKILL, as a crash looks to the rest of the cluster (its children are left running). */
    void kill() {
      process.destroyForcibly();
      try {
        process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      LIVE.remove(this);
    }

    /** Sends {@code signal} ({@code STOP}, {@code CONT}...) to the node's JVM, by its PID. */
    void signal(String signal) {
      try {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
          throw new BenchException("kill -" + signal + " " + process.pid() + " failed");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      }
    }

    /** Nanoseconds from spawn until a stdout line starting with {@code prefix} was read. */
    synchronized long awaitLine(String prefix, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        for (Line line : lines) {
          if (line.text().startsWith(prefix)) {
            return line.nanos() - startNanos;
          }
        }
        long left = deadline - System.nanoTime();
        if (eof || left <= 0) {
          throw failure("no stdout line '" + prefix + "...' " + (eof ? "before its stdout closed" : "within " + timeout.toSeconds() + " s"));
        }
        try {
          wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new BenchException("interrupted");
        }
      }
    }

    /** A failure message with the last lines of this node's stderr log. */
    BenchException failure(String what) {
      String state = process.isAlive() ? "running" : "exited with " + process.exitValue();
      return new BenchException("baton node (PID " + process.pid() + ", " + state + "): " + what
          + "\n--- last lines of " + log + ":\n" + tail(log, 20) + "--- its stdout:\n" + stdout());
    }

    private synchronized String stdout() {
      StringBuilder sb = new StringBuilder();
      lines.forEach(line -> sb.append(line.text()).append('\n'));
      return sb.toString();
    }

    /**
     * SIGTERM, then SIGKILL if it has not exited after 15 s; before that kill, the JVM's threads,
     * virtual ones included ({@code jcmd PID Thread.dump_to_file}), go to {@code LOG.threads}, to
     * show where it hung.
     */
    @Override
    public void close() {
      stop(process, this::dumpThreads);
      LIVE.remove(this);
    }

    private void dumpThreads() {
      Path jcmd = ProcessHandle.current().info().command().map(java -> Path.of(java).resolveSibling("jcmd"))
          .orElse(Path.of("jcmd"));
      Path dump = log.resolveSibling(log.getFileName() + ".threads");
      try {
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.dump_to_file",
            "-overwrite", "-format=text", dump.toString())
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor(20, TimeUnit.SECONDS)) {
          System.err.println("bench: the threads of PID " + process.pid() + " are in " + dump);
        } else {
          p.destroyForcibly();
        }
      } catch (IOException e) {
        System.err.println("bench: no thread dump of PID " + process.pid() + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(args.length + 1);
    cmd.add(launcher.toString());
    Collections.addAll(cmd, args);
    return cmd;
  }

  private static Process start(ProcessBuilder pb) {
    try {
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void stop(Process p) {
    stop(p, () -> {});
  }

  /** SIGTERM; if {@code p} is still alive after {@link #STOP_GRACE}, runs {@code beforeKill}, then SIGKILL. */
  private static void stop(Process p, Runnable beforeKill) {
    if (!p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        System.err.println("bench: PID " + p.pid() + " did not stop within " + STOP_GRACE.toSeconds() + " s; killing it");
        beforeKill.run();
        p.destroyForcibly();
        p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static CompletableFuture<String> readAll(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try (in) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }, r -> Thread.ofPlatform().daemon().start(r));
  }

  private static java.io.File devNull() {
    return new java.io.File("/dev/null");
  }

  static String tail(Path file, int n) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      StringBuilder sb = new StringBuilder();
      for (String line : all.subList(Math.max(0, all.size() - n), all.size())) {
        sb.append(line).append('\n');
      }
      return sb.toString();
    } catch (IOException | UncheckedIOException e) {
      return "(unreadable: " + e.getMessage() + ")\n";
    }
  }
}
