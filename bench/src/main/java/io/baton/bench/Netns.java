package io.baton.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace with one veth pair to the host, for partition trials (needs root and
 * iproute2). Addressing: the namespace end has {@code 10.201.N.2/30}, the host end
 * {@code 10.201.N.1/30}; the nodes that stay on the host listen on {@link #HOST_ADDRESS}, a /32 on
 * the host's {@code lo}, so cutting the veth never takes their own address away. The namespace
 * routes {@link #HOST_ADDRESS} through the veth. {@link #cut} takes both ends down (packets are
 * dropped, nothing is reset); {@link #heal} brings them up and restores the route.
 *
 * <p>Names start with {@code btnf} and carry this JVM's PID, so they never clash with anything
 * else on the machine; {@link #close} deletes the namespace (which deletes the pair) and the lo
 * address once the last namespace is gone.
 */
final class Netns implements AutoCloseable {
  /** The host side's node address: on lo, so it survives the cut of any veth. */
  static final String HOST_ADDRESS = "10.201.0.1";

  private static int hostAddressUsers; // guarded by Netns.class

  private final String name;
  private final String hostEnd;
  private final String nsEnd;
  private final String address;
  private final String hostSide;

  private Netns(int index) {
    String tag = ProcessHandle.current().pid() + "-" + index;
    this.name = "btnf-" + tag;
    this.hostEnd = "btnfh" + index + "-" + (ProcessHandle.current().pid() % 10000);
    this.nsEnd = "btnfn" + index;
    this.address = "10.201." + index + ".2";
    this.hostSide = "10.201." + index + ".1";
  }

  /** Why partitions cannot run here, if they cannot: not root, or {@code ip netns add} fails. */
  static Optional<String> unavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return Optional.of("not running as root (network namespaces need CAP_NET_ADMIN)");
    }
    String probe = "btnf-probe-" + ProcessHandle.current().pid();
    Optional<String> failed = ip("netns", "add", probe);
    if (failed.isPresent()) {
      return Optional.of("'ip netns add' fails: " + failed.get());
    }
    ip("netns", "del", probe);
    return Optional.empty();
  }

  /** Creates namespace {@code index} (1-250) with its veth pair, addresses and routes. */
  static Netns create(int index) {
    Netns ns = new Netns(index);
    try {
      synchronized (Netns.class) {
        if (hostAddressUsers++ == 0) {
          ip("addr", "replace", HOST_ADDRESS + "/32", "dev", "lo").ifPresent(e -> {
            throw new BenchException("cannot add " + HOST_ADDRESS + " to lo: " + e);
          });
        }
      }
      must("netns", "add", ns.name);
      must("link", "add", ns.hostEnd, "type", "veth", "peer", "name", ns.nsEnd, "netns", ns.name);
      must("addr", "add", ns.hostSide + "/30", "dev", ns.hostEnd);
      must("-n", ns.name, "addr", "add", ns.address + "/30", "dev", ns.nsEnd);
      must("-n", ns.name, "link", "set", "lo", "up");
      ns.heal();
      return ns;
    } catch (RuntimeException e) {
      ns.close();
      throw e;
    }
  }

  /** The node address inside the namespace. */
  String address() {
    return address;
  }

  /** The prefix that runs a command inside the namespace ({@code ip netns exec NAME}, which exec's it). */
  List<String> exec() {
    return List.of("ip", "netns", "exec", name);
  }

  /** Takes both ends of the veth down: from now on nothing crosses. */
  void cut() {
    must("-n", name, "link", "set", nsEnd, "down");
    must("link", "set", hostEnd, "down");
  }

  /** Brings both ends up and restores the namespace's route to the host address. */
  void heal() {
    must("link", "set", hostEnd, "up");
    must("-n", name, "link", "set", nsEnd, "up");
    must("-n", name, "route", "replace", HOST_ADDRESS + "/32", "via", hostSide, "dev", nsEnd);
  }

  /** Deletes the namespace (and with it the veth pair); idempotent, never throws. */
  @Override
  public void close() {
    ip("link", "del", hostEnd);
    ip("netns", "del", name);
    synchronized (Netns.class) {
      if (hostAddressUsers > 0 && --hostAddressUsers == 0) {
        ip("addr", "del", HOST_ADDRESS + "/32", "dev", "lo");
      }
    }
  }

  private static void must(String... args) {
    ip(args).ifPresent(e -> {
      throw new BenchException("'ip " + String.join(" ", args) + "' failed: " + e);
    });
  }

  /** Runs {@code ip ARGS}; the problem if it failed. */
  private static Optional<String> ip(String... args) {
    List<String> cmd = new ArrayList<>(List.of("ip"));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.of("timed out");
      }
      return p.exitValue() == 0 ? Optional.empty() : Optional.of(out.isEmpty() ? "exit " + p.exitValue() : out);
    } catch (IOException e) {
      return Optional.of(e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    }
  }
}
