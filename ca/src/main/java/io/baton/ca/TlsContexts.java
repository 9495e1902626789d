package io.baton.ca;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.UncheckedIOException;
import java.util.Objects;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * gRPC (grpc-netty-shaded) TLS contexts: TLS 1.3 only, HTTP/2 ALPN, keys and trust from the given
 * managers (so renewal and root rotation take effect without rebuilding the context).
 *
 * <p>Servers request but do not require a client certificate: the bootstrap RPCs answer anonymous
 * joiners, and every other RPC is refused by the authorization interceptor when no verified
 * certificate is present. A client certificate that is presented must pass the trust manager.
 *
 * <p>Clients must dial managers with {@code overrideAuthority(Role.MANAGER_SAN)}. Certificates name
 * nodes and roles, not hosts, and {@code baton-manager} is the DNS SAN carried by manager
 * certificates only, so a standard (JDK) hostname check against that authority passes exactly for
 * managers. Note that grpc-java merely requests HTTPS endpoint identification on the engine; with a
 * custom {@link X509ExtendedTrustManager} the check is the trust manager's job, and baton's trust
 * managers do not compare host names: they enforce the equivalent directly by requiring a {@link
 * Role#MANAGER} certificate of the cluster from every server (which keeps Raft peers, dialed by
 * address, working). Never pair these contexts with a trust-all manager.
 */
public final class TlsContexts {
  private static final String TLS_1_3 = "TLSv1.3";

  private TlsContexts() {}

  /**
   * A server context presenting {@code km} and verifying optional client certificates with {@code
   * tm}.
   */
  public static SslContext server(X509ExtendedKeyManager km, X509ExtendedTrustManager tm) {
    Objects.requireNonNull(km, "key manager");
    Objects.requireNonNull(tm, "trust manager");
    return build(
        GrpcSslContexts.configure(
            SslContextBuilder.forServer(km)
                .trustManager(tm)
                .clientAuth(ClientAuth.OPTIONAL)
                .protocols(TLS_1_3)));
  }

  /**
   * A client context verifying servers with {@code tm} and presenting {@code kmOrNull}, or no
   * certificate when it is null (anonymous join bootstrap).
   */
  public static SslContext client(X509ExtendedKeyManager kmOrNull, X509ExtendedTrustManager tm) {
    Objects.requireNonNull(tm, "trust manager");
    SslContextBuilder builder = SslContextBuilder.forClient().trustManager(tm).protocols(TLS_1_3);
    if (kmOrNull != null) {
      builder.keyManager(kmOrNull);
    }
    return build(GrpcSslContexts.configure(builder));
  }

  private static SslContext build(SslContextBuilder builder) {
    try {
      return builder.build();
    } catch (SSLException e) {
      throw new UncheckedIOException("cannot build TLS context", e);
    }
  }
}
