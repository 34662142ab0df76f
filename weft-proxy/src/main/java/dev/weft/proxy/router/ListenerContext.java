package dev.weft.proxy.router;

import dev.weft.proxy.config.FilterChainSpec;
import dev.weft.proxy.config.HttpSettings;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.http.WeftError;
import dev.weft.proxy.rbac.Authorization;
import dev.weft.proxy.rbac.RbacRequest;
import dev.weft.proxy.rbac.RbacStats;
import dev.weft.proxy.rbac.RbacVerdict;
import dev.weft.proxy.stats.Stats;
import dev.weft.proxy.upstream.ClusterManager;
import dev.weft.proxy.upstream.UpstreamPools;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import java.net.SocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every exchange on one filter chain of a listener shares: its settings, the clusters, pools and
 * stats. One context per chain per listener per config; an exchange keeps the context it started with.
 */
public final class ListenerContext {
    private final ListenerSpec spec;
    private final FilterChainSpec chain;
    private final HttpSettings settings;
    private final ClusterManager clusters;
    private final UpstreamPools pools;
    final LongAdder rqTotal;
    final LongAdder rqActive;
    final LongAdder cxTotal;
    final LongAdder cxActive;
    private final LongAdder sslHandshake;
    private final LongAdder sslConnectionError;
    private final LongAdder[] rqByClass = new LongAdder[6];
    private final Map<WeftError, LongAdder> errors = new EnumMap<>(WeftError.class);
    /** The RBAC filters' counters; null when the listener has no RBAC filter. */
    private final RbacStats rbac;

    /** The context of the listener's first filter chain. */
    public ListenerContext(ListenerSpec spec, ClusterManager clusters, UpstreamPools pools, Stats stats) {
        this(spec, spec.chains().get(0), clusters, pools, stats);
    }

    /** The context of {@code chain}, one of {@code spec}'s filter chains. */
    public ListenerContext(ListenerSpec spec, FilterChainSpec chain, ClusterManager clusters, UpstreamPools pools,
            Stats stats) {
        this.spec = spec;
        this.chain = chain;
        this.settings = chain.http();
        this.clusters = clusters;
        this.pools = pools;
        String p = "http." + settings.statPrefix() + ".";
        rqTotal = stats.counter(p + "downstream_rq_total");
        rqActive = stats.counter(p + "downstream_rq_active");
        cxTotal = stats.counter(p + "downstream_cx_total");
        cxActive = stats.counter(p + "downstream_cx_active");
        // per listener, as Envoy's listener.<address>.ssl.*: a refused client is counted where it knocked
        sslHandshake = stats.counter("listener." + spec.name() + ".ssl.handshake");
        sslConnectionError = stats.counter("listener." + spec.name() + ".ssl.connection_error");
        for (int i = 1; i <= 5; i++) {
            rqByClass[i] = stats.counter(p + "downstream_rq_" + i + "xx");
        }
        for (WeftError e : WeftError.values()) {
            errors.put(e, stats.counter(p + "weft_error." + e.code()));
        }
        Authorization authorization = settings.authorization();
        rbac = authorization.isEmpty() ? null : new RbacStats(stats, settings.statPrefix(), authorization);
    }

    /**
     * Runs the listener's RBAC filters on a request head; null when it has none (nothing is evaluated
     * or counted then).
     */
    RbacVerdict authorize(HttpRequest request, Channel downstream, SocketAddress remote) {
        if (rbac == null) {
            return null;
        }
        return settings.authorization().evaluate(
                RbacRequest.of(request, downstream, remote, settings.useRemoteAddress()), rbac);
    }

    public ListenerSpec spec() {
        return spec;
    }

    /** The filter chain whose connections this context serves. */
    public FilterChainSpec chain() {
        return chain;
    }

    public HttpSettings settings() {
        return settings;
    }

    ClusterManager clusters() {
        return clusters;
    }

    UpstreamPools pools() {
        return pools;
    }

    void recordStatus(int status) {
        int c = status / 100;
        if (c >= 1 && c <= 5) {
            rqByClass[c].increment();
        }
    }

    /** Counts a response the proxy made itself, under its x-weft-error code. */
    public void recordError(WeftError e) {
        errors.get(e).increment();
    }

    /** Counts a completed TLS handshake (the client verified when the chain asks for a certificate). */
    public void tlsHandshake() {
        sslHandshake.increment();
    }

    /** Counts a failed TLS handshake: a refused client certificate, a protocol version below 1.2, plaintext bytes. */
    public void tlsHandshakeFailed() {
        sslConnectionError.increment();
    }

    /** Counts a downstream connection for as long as it is open. */
    public void connectionOpened() {
        cxTotal.increment();
        cxActive.increment();
    }

    public void connectionClosed() {
        cxActive.decrement();
    }
}
