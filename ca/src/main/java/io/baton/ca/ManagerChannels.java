package io.baton.ca;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Mutual-TLS channels from a node to managers, one per address, reused across calls.
 *
 * <p>Every channel dials with authority {@link Role#MANAGER_SAN}: grpc-java checks the server's
 * certificate names it, and only manager certificates carry that SAN, so a worker (or anything else
 * chaining to the root) can never pose as a manager. The key manager is the node's live one, so a
 * renewed certificate is used by the next handshake; {@link #reconnect} makes the next calls open
 * one.
 */
public final class ManagerChannels implements AutoCloseable {
  private final X509ExtendedKeyManager keyManager;
  private final X509ExtendedTrustManager trustManager;
  private final List<ClientInterceptor> interceptors;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  /**
   * @param keyManager the node's key manager, or null for anonymous (bootstrap) channels
   * @param interceptors run on every call of every channel (e.g. to notice the node's removal)
   */
  public ManagerChannels(
      X509ExtendedKeyManager keyManager, X509ExtendedTrustManager trustManager, ClientInterceptor... interceptors) {
    this.keyManager = keyManager;
    this.trustManager = trustManager;
    this.interceptors = List.of(interceptors);
  }

  /** The channel to a manager at {@code host:port}; created on first use. */
  public ManagedChannel get(String address) {
    return channels.computeIfAbsent(address, this::open);
  }

  private ManagedChannel open(String address) {
    return NettyChannelBuilder.forTarget(address)
        .sslContext(TlsContexts.client(keyManager, trustManager))
        .overrideAuthority(Role.MANAGER_SAN)
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .maxInboundMessageSize(16 * 1024 * 1024)
        .intercept(interceptors)
        .build();
  }

  /**
   * Makes every later call open a new connection, whose handshake presents the node's current
   * certificate. Call it after a renewal: a connection carries the certificate of the handshake that
   * opened it, managers check that certificate on every call, and it expires soon after a renewal.
   * Calls in flight (a session stream) finish on their old connections.
   */
  public void reconnect() {
    for (String address : List.copyOf(channels.keySet())) {
      ManagedChannel old = channels.remove(address);
      if (old != null) {
        old.shutdown();
      }
    }
  }

  /** Drops the channel to an address (e.g. after its manager went away). */
  public void forget(String address) {
    ManagedChannel channel = channels.remove(address);
    if (channel != null) {
      channel.shutdownNow();
    }
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel channel : channels.values()) {
      try {
        channel.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    channels.clear();
  }
}
