package dev.weft.proxy.config;

import dev.weft.proxy.observe.Direction;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * One downstream listener: where it binds and its filter chains. A listener with the TLS inspector tells TLS
 * connections from plaintext ones by their first bytes and serves each with the chain whose
 * transport_protocol matches ("tls", "raw_buffer", else the chain that matches any): PERMISSIVE mTLS on one
 * port. A TLS chain offers by ALPN the protocols of its codec (h2 and http/1.1 for AUTO) unless
 * common_tls_context.alpn_protocols names others.
 *
 * @param chains       at least one; without the TLS inspector exactly one
 * @param tlsInspector whether connections are told apart by their first bytes
 * @param direction    traffic_direction: whether the listener takes traffic into the workload or out of it
 */
public record ListenerSpec(String name, InetSocketAddress address, List<FilterChainSpec> chains, boolean tlsInspector,
                           Direction direction) {

    public ListenerSpec {
        chains = List.copyOf(chains);
        direction = direction == null ? Direction.UNSPECIFIED : direction;
        if (chains.isEmpty()) {
            throw new IllegalArgumentException("listener " + name + ": no filter chain");
        }
    }

    /** A listener whose traffic direction is not said. */
    public ListenerSpec(String name, InetSocketAddress address, List<FilterChainSpec> chains, boolean tlsInspector) {
        this(name, address, chains, tlsInspector, Direction.UNSPECIFIED);
    }

    /** A listener of one chain that takes every connection. */
    public ListenerSpec(String name, InetSocketAddress address, HttpSettings http, SslContext tls) {
        this(name, address, List.of(new FilterChainSpec("#0", FilterChainSpec.TransportProtocol.ANY, http, tls)), false);
    }

    /** The HTTP settings of the first (usually only) filter chain. */
    public HttpSettings http() {
        return chains.get(0).http();
    }

    /** The TLS context of the first (usually only) filter chain, null for plaintext. */
    public SslContext tls() {
        return chains.get(0).tls();
    }

    /**
     * The index of the chain that serves a connection whose first bytes are ({@code tls}) or are not a TLS
     * record: the chain of that transport protocol, else the one matching any; -1 when none does.
     */
    public int chainFor(boolean tls) {
        FilterChainSpec.TransportProtocol wanted = tls ? FilterChainSpec.TransportProtocol.TLS
                : FilterChainSpec.TransportProtocol.RAW_BUFFER;
        int any = -1;
        for (int i = 0; i < chains.size(); i++) {
            FilterChainSpec.TransportProtocol p = chains.get(i).transportProtocol();
            if (p == wanted) {
                return i;
            }
            if (p == FilterChainSpec.TransportProtocol.ANY && any < 0) {
                any = i;
            }
        }
        return any;
    }
}
