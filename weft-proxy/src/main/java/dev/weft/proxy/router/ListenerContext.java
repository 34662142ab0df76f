package dev.weft.proxy.router;

import dev.weft.proxy.config.FilterChainSpec;
import dev.weft.proxy.config.HttpSettings;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.http.WeftError;
import dev.weft.proxy.observe.ExchangeObserver;
import dev.weft.proxy.observe.RequestInfo;
import dev.weft.proxy.rbac.Authorization;
import dev.weft.proxy.rbac.RbacRequest;
import dev.weft.proxy.rbac.RbacStats;
import dev.weft.proxy.rbac.RbacVerdict;
import dev.weft.proxy.stats.ByteCounter;
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
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ListenerContext.class);
    private final ListenerSpec spec;
    private final FilterChainSpec chain;
    private final HttpSettings settings;
    private final ClusterManager clusters;
    private final UpstreamPools pools;
    final LongAdder rqTotal;
    final LongAdder rqActive;
    final LongAdder cxTotal;
    final LongAdder cxActive;
    private final LongAdder cxDestroy;
    private final ByteCounter bytes;
    private final LongAdder sslHandshake;
    private final LongAdder sslConnectionError;
    private final LongAdder[] rqByClass = new LongAdder[6];
    private final Map<WeftError, LongAdder> errors = new EnumMap<>(WeftError.class);
    /** The RBAC filters' counters; null when the listener has no RBAC filter. */
    private final RbacStats rbac;
    /** The telemetry observers of this chain's exchanges; empty for none. */
    private final ExchangeObserver[] observers;
    private final LongAdder observerErrors;
    /** Racy on purpose: at worst a second failure is logged. */
    private volatile boolean observerFailureLogged;

    /** The context of the listener's first filter chain. */
    public ListenerContext(ListenerSpec spec, ClusterManager clusters, UpstreamPools pools, Stats stats) {
        this(spec, spec.chains().get(0), clusters, pools, stats);
    }

    /** The context of {@code chain}, one of {@code spec}'s filter chains. */
    public ListenerContext(ListenerSpec spec, FilterChainSpec chain, ClusterManager clusters, UpstreamPools pools,
            Stats stats) {
        this(spec, chain, clusters, pools, stats, new ExchangeObserver[0]);
    }

    /** The context of {@code chain}, whose exchanges report to {@code observers}. */
    public ListenerContext(ListenerSpec spec, FilterChainSpec chain, ClusterManager clusters, UpstreamPools pools,
            Stats stats, ExchangeObserver[] observers) {
        this.spec = spec;
        this.observers = observers;
        this.chain = chain;
        this.settings = chain.http();
        this.clusters = clusters;
        this.pools = pools;
        String p = "http." + settings.statPrefix() + ".";
        stats.tag(p, "http.", "http_conn_manager_prefix", settings.statPrefix());
        stats.tag("listener." + spec.name() + ".", "listener.", "listener", spec.name());
        rqTotal = stats.counter(p + "downstream_rq_total");
        observerErrors = stats.counter(p + "telemetry.observer_error");
        rqActive = stats.upDownCounter(p + "downstream_rq_active");
        cxTotal = stats.counter(p + "downstream_cx_total");
        cxActive = stats.upDownCounter(p + "downstream_cx_active");
        cxDestroy = stats.counter(p + "downstream_cx_destroy");
        // per listener, as TLS handshakes: the bytes are counted before a filter chain is chosen
        bytes = new ByteCounter(stats.counter("listener." + spec.name() + ".downstream_cx_rx_bytes_total"),
                stats.counter("listener." + spec.name() + ".downstream_cx_tx_bytes_total"));
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

    /** The observers every exchange of this chain reports to (not to be modified). */
    ExchangeObserver[] observers() {
        return observers;
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

    /**
     * Hands a finished exchange to the observers. One that throws is counted (http.PREFIX.telemetry.observer_error)
     * and the first failure of this context logged, since the same defect would otherwise log once per request; the
     * others and the exchange carry on.
     */
    void completed(RequestInfo info) {
        for (ExchangeObserver o : observers) {
            try {
                o.onComplete(info);
            } catch (RuntimeException e) {
                observerFailed(o, e);
            }
        }
    }

    private void observerFailed(ExchangeObserver observer, RuntimeException e) {
        observerErrors.increment();
        if (!observerFailureLogged) {
            observerFailureLogged = true;
            LOG.warn("telemetry observer {} failed on listener {} (further failures are only counted)",
                    observer.getClass().getName(), spec.name(), e);
        }
    }

    /**
     * A request the codec refused before it became an exchange (a malformed HTTP/1.1 head, answered {@code status}
     * with {@code response}): reported to the observers as a finished exchange with what is known (no method, path
     * or route), so access logs and tap show it as Envoy's do.
     */
    public void reportRejected(Channel downstream, SocketAddress remote, WeftError error,
            io.netty.handler.codec.http.FullHttpResponse response) {
        if (observers.length == 0) {
            return;
        }
        long now = System.nanoTime();
        RequestInfo info = new RequestInfo(spec.name(), spec.direction(), downstream, remote, false);
        info.requestRejected(now);
        info.failed(error);
        info.responseStarted(response.status().code(), response.headers(), now);
        info.responseBytes(response.content().readableBytes());
        info.ended(true, now);
        completed(info);
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
        cxDestroy.increment();
    }

    /** Counts a connection's bytes as the socket sees them; first in every connection's pipeline. */
    public ByteCounter bytes() {
        return bytes;
    }
}
