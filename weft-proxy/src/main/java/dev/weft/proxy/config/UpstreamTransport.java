package dev.weft.proxy.config;

import io.netty.handler.ssl.SslContext;

/**
 * How the proxy connects to an upstream endpoint: plaintext, or TLS with a client context and the SNI to send.
 *
 * @param tls client context, null for plaintext
 * @param sni server name to send with TLS, null for the endpoint's address
 */
public record UpstreamTransport(SslContext tls, String sni) {
    /** Plaintext (raw_buffer). */
    public static final UpstreamTransport PLAINTEXT = new UpstreamTransport(null, null);

    public boolean isTls() {
        return tls != null;
    }
}
