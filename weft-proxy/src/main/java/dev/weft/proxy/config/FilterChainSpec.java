package dev.weft.proxy.config;

import io.netty.handler.ssl.SslContext;

/**
 * One filter chain of a listener: which connections it takes (by transport protocol, as the TLS inspector tells
 * them apart), how it speaks HTTP, and its TLS context (null for plaintext).
 *
 * @param name              the chain's name ({@code filter_chains[i].name}), or {@code #i} when unnamed
 * @param transportProtocol which connections it serves
 */
public record FilterChainSpec(String name, TransportProtocol transportProtocol, HttpSettings http, SslContext tls) {

    /** {@code filter_chain_match.transport_protocol}: any connection, TLS ones, or plaintext ones. */
    public enum TransportProtocol {
        ANY(""), TLS("tls"), RAW_BUFFER("raw_buffer");

        private final String envoyName;

        TransportProtocol(String envoyName) {
            this.envoyName = envoyName;
        }

        /** The value of filter_chain_match.transport_protocol. */
        public String envoyName() {
            return envoyName;
        }
    }

    /**
     * Whether a connection of this chain may keep being served by {@code next}, a chain of the next config at the
     * same position: the same chain by name, still TLS or still plaintext. Otherwise the connection is drained (a
     * listener made STRICT does not keep serving its plaintext connections).
     */
    public boolean sameTransport(FilterChainSpec next) {
        return name.equals(next.name) && (tls == null) == (next.tls == null);
    }
}
