package dev.weft.proxy.tracing;

import dev.weft.proxy.http.WeftError;
import dev.weft.proxy.observe.ExchangeObserver;
import dev.weft.proxy.observe.RequestInfo;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The tracing observer of one listener chain. On the request head it reads the incoming trace context and
 * decides sampling (an incoming decision is kept; otherwise {@code random_sampling}). A sampled exchange gets a
 * SERVER span (child of the caller's span) and, per upstream attempt, a CLIENT span (child of the SERVER span)
 * whose context is injected into that attempt's request; both are exported when they end. An unsampled exchange
 * costs a header parse and, when the request carried no decision, writing one (sampled=0) for the hops behind.
 */
public final class Tracer implements ExchangeObserver {
    private static final String ERROR_CANCELLED = "downstream_cancelled";
    private static final String ERROR_RETRIED = "retried";

    private final TracingConfig config;
    private final SpanExporter exporter;
    private final String nodeId;
    /** The sampling percent scaled to [0, 2^53), compared with a random 53-bit number. */
    private final long threshold;

    public Tracer(TracingConfig config, SpanExporter exporter, String nodeId) {
        this.config = config;
        this.exporter = exporter;
        this.nodeId = nodeId;
        this.threshold = (long) Math.ceil(config.samplingPercent() / 100.0 * (1L << 53));
    }

    /** What a sampled exchange carries in {@link RequestInfo#trace()}. */
    static final class State {
        final long traceIdHigh;
        final long traceIdLow;
        final long serverSpanId;
        final long parentId;
        final boolean debug;
        long clientSpanId;
        long clientStartNanos;
        InetSocketAddress clientPeer;
        int attempt;

        State(long traceIdHigh, long traceIdLow, long serverSpanId, long parentId, boolean debug) {
            this.traceIdHigh = traceIdHigh;
            this.traceIdLow = traceIdLow;
            this.serverSpanId = serverSpanId;
            this.parentId = parentId;
            this.debug = debug;
        }

        /** The trace id as 32 hex digits. */
        String traceIdHex() {
            return Hex.of(traceIdHigh, traceIdLow, false);
        }
    }

    @Override
    public void onRequestHead(RequestInfo info, HttpRequest request) {
        HttpHeaders headers = request.headers();
        TraceContext in = Propagation.extract(headers);
        boolean sampled;
        boolean debug = false;
        if (in != null && in.sampling() != TraceContext.DEFER) {
            sampled = in.sampling() == TraceContext.SAMPLED;
            debug = in.debug();
        } else {
            sampled = (ThreadLocalRandom.current().nextLong() >>> 11) < threshold;
        }
        boolean ids = in != null && in.hasIds();
        if (!sampled) {
            if (!ids || in.sampling() == TraceContext.DEFER) {
                // the hops behind must not sample what this one did not: pass the decision on
                long high = ids ? in.traceIdHigh() : newTraceIdHigh();
                long low = ids ? in.traceIdLow() : nonZero();
                boolean foreign = Propagation.foreignTracestate(headers);
                Propagation.inject(headers, high, low, nonZero(), ids ? in.spanId() : 0, false, false);
                if (foreign) {
                    headers.remove(Propagation.TRACESTATE);
                }
            }
            return;
        }
        long high = ids ? in.traceIdHigh() : newTraceIdHigh();
        long low = ids ? in.traceIdLow() : nonZero();
        State s = new State(high, low, nonZero(), ids ? in.spanId() : 0, debug);
        info.trace(s);
        // the request as forwarded carries the SERVER span's context until an attempt replaces it with its own
        if (Propagation.foreignTracestate(headers)) {
            headers.remove(Propagation.TRACESTATE);
        }
        Propagation.inject(headers, high, low, s.serverSpanId, s.parentId, true, debug);
    }

    @Override
    public void onUpstreamRequest(RequestInfo info, HttpRequest upstreamHead) {
        if (!(info.trace() instanceof State s)) {
            return;
        }
        long now = System.nanoTime();
        if (s.clientSpanId != 0) {
            // the previous attempt ended without a response that went downstream
            exporter.export(client(info, s, now, true, ERROR_RETRIED));
        }
        s.attempt++;
        s.clientSpanId = nonZero();
        s.clientStartNanos = now;
        s.clientPeer = info.upstreamAddress();
        Propagation.inject(upstreamHead.headers(), s.traceIdHigh, s.traceIdLow, s.clientSpanId, s.serverSpanId, true,
                s.debug);
    }

    @Override
    public void onComplete(RequestInfo info) {
        if (!(info.trace() instanceof State s)) {
            return;
        }
        long end = info.endNanos() != 0 ? info.endNanos() : System.nanoTime();
        String error = error(info);
        if (s.clientSpanId != 0) {
            exporter.export(client(info, s, end, error != null, error));
            s.clientSpanId = 0;
        }
        Map<String, Object> a = common(info);
        SocketAddress remote = info.downstreamRemote();
        String peer = null;
        int peerPort = 0;
        if (remote instanceof InetSocketAddress r) {
            peer = r.getAddress() != null ? r.getAddress().getHostAddress() : r.getHostString();
            peerPort = r.getPort();
            a.put("network.peer.address", peer);
            a.put("network.peer.port", (long) peerPort);
        }
        a.put("network.protocol.version", info.protocol().equals("HTTP/2") ? "2" : "1.1");
        String ua = info.requestHeaders() == null ? null : info.requestHeaders().get(HttpHeaderNames.USER_AGENT);
        if (ua != null) {
            a.put("user_agent.original", ua);
        }
        if (info.routeName() != null) {
            a.put("weft.route_name", info.routeName());
        }
        if (info.attempts() > 0) {
            a.put("weft.upstream_attempts", (long) info.attempts());
        }
        String principal = info.downstreamPeerPrincipal();
        if (principal != null) {
            a.put("weft.downstream_peer", principal);
        }
        long start = info.startNanos();
        exporter.export(new Span(s.traceIdHigh, s.traceIdLow, s.serverSpanId, s.parentId, Span.Kind.SERVER,
                name(info), RequestInfo.epochMicros(start), (end - start) / 1_000, peer, peerPort, error != null,
                error, a));
    }

    private Span client(RequestInfo info, State s, long end, boolean failed, String error) {
        Map<String, Object> a = common(info);
        String peer = null;
        int port = 0;
        if (s.clientPeer != null) {
            peer = s.clientPeer.getAddress() != null ? s.clientPeer.getAddress().getHostAddress()
                    : s.clientPeer.getHostString();
            port = s.clientPeer.getPort();
            a.put("network.peer.address", peer);
            a.put("network.peer.port", (long) port);
        }
        a.put("weft.attempt", (long) s.attempt);
        if (ERROR_RETRIED.equals(error)) {
            // the status and error belong to the exchange's final attempt
            a.remove("http.response.status_code");
            a.remove("weft.error");
        }
        return new Span(s.traceIdHigh, s.traceIdLow, s.clientSpanId, s.serverSpanId, Span.Kind.CLIENT, name(info),
                RequestInfo.epochMicros(s.clientStartNanos), (end - s.clientStartNanos) / 1_000, peer, port, failed,
                failed ? error : null, a);
    }

    /** The attributes both kinds of span have. */
    private Map<String, Object> common(RequestInfo info) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("http.request.method", info.method());
        String path = info.path();
        if (path != null) {
            int q = path.indexOf('?');
            a.put("url.path", q < 0 ? path : path.substring(0, q));
        }
        String authority = info.authority();
        if (authority != null) {
            a.put("server.address", host(authority));
        }
        if (info.status() > 0) {
            a.put("http.response.status_code", (long) info.status());
        }
        if (info.grpcStatus() != null) {
            a.put("rpc.grpc.status_code", info.grpcStatus());
        }
        if (info.clusterName() != null) {
            a.put("upstream_cluster", info.clusterName());
        }
        WeftError e = info.error();
        if (e != null) {
            a.put("weft.error", e.code());
        }
        HttpHeaders h = info.requestHeaders();
        String requestId = h == null ? null : h.get("x-request-id");
        if (requestId != null) {
            a.put("guid:x-request-id", requestId);
        }
        a.put("node_id", nodeId);
        return a;
    }

    /**
     * Why the exchange failed: its x-weft-error code, a 5xx, a gRPC status other than OK (as Envoy's tracers
     * tag it), or the downstream going away; null when it did not.
     */
    private static String error(RequestInfo info) {
        if (info.error() != null) {
            return info.error().code();
        }
        if (info.status() >= 500) {
            return "HTTP " + info.status();
        }
        String grpc = info.grpcStatus();
        if (grpc != null && !grpc.equals("0")) {
            return "grpc-status " + grpc;
        }
        if (!info.completed()) {
            return ERROR_CANCELLED;
        }
        return null;
    }

    /** "GET chat-route" when the request was routed, else "GET" (OpenTelemetry's {method} {route}). */
    private static String name(RequestInfo info) {
        return info.routeName() == null ? info.method() : info.method() + " " + info.routeName();
    }

    private static String host(String authority) {
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            return end < 0 ? authority : authority.substring(1, end);
        }
        int colon = authority.lastIndexOf(':');
        return colon < 0 ? authority : authority.substring(0, colon);
    }

    private long newTraceIdHigh() {
        return config.traceId128() ? ThreadLocalRandom.current().nextLong() : 0;
    }

    private static long nonZero() {
        long v;
        do {
            v = ThreadLocalRandom.current().nextLong();
        } while (v == 0);
        return v;
    }
}
