package dev.weft.proxy.observe;

import dev.weft.proxy.config.ClusterSpec;
import dev.weft.proxy.downstream.PeerIdentity;
import dev.weft.proxy.http.WeftError;
import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.rbac.RbacVerdict;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;

/**
 * What one exchange did: its request, where it went, what came back, and when. The router fills it in as the
 * exchange goes (the mutators are for it alone) and hands it to the listener's {@link ExchangeObserver}s, which
 * read it on the exchange's event loop. Times are {@link System#nanoTime()} values, 0 for a point the exchange
 * did not reach; {@link #epochMicros(long)} turns one into wall-clock time.
 *
 * <p>Not thread-safe: an observer that hands data to another thread copies what it needs first.
 */
public final class RequestInfo {
    private static final long BASE_NANOS;
    private static final long BASE_EPOCH_MICROS;

    static {
        // The wall clock and nanoTime are read next to each other; a pause between the two reads (descheduling, a
        // safepoint) would shift every timestamp of this process against the others of a trace, so the pair read
        // in the shortest window of a few tries is kept.
        long bestWindow = Long.MAX_VALUE;
        long baseNanos = 0;
        long baseMicros = 0;
        for (int i = 0; i < 16 && bestWindow > 20_000; i++) {
            long before = System.nanoTime();
            Instant now = Instant.now();
            long after = System.nanoTime();
            if (after - before < bestWindow) {
                bestWindow = after - before;
                baseNanos = before + (after - before) / 2;
                baseMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
            }
        }
        BASE_NANOS = baseNanos;
        BASE_EPOCH_MICROS = baseMicros;
    }

    private final String listenerName;
    private final Direction direction;
    private final Channel downstream;
    private final SocketAddress remote;
    private final boolean http2;

    private long startNanos;
    private long requestEndNanos;
    private long upstreamStartNanos;
    private long upstreamFirstByteNanos;
    private long responseFirstByteNanos;
    private long endNanos;

    private String method;
    private String authority;
    private String path;
    private HttpHeaders requestHeaders;
    private HttpHeaders responseHeaders;
    private long requestBodyBytes;
    private long responseBodyBytes;
    private int status;
    private WeftError error;
    private String grpcStatus;
    private String routeName;
    private String clusterName;
    private ClusterSpec upstreamCluster;
    private Endpoint upstreamEndpoint;
    private int attempts;
    private RbacVerdict authorization;
    private boolean completed;
    private boolean peerResolved;
    private String peerPrincipal;
    private Channel upstreamChannel;

    private Object trace;
    private Object usage;

    public RequestInfo(String listenerName, Direction direction, Channel downstream, SocketAddress remote, boolean http2) {
        this.listenerName = listenerName;
        this.direction = direction;
        this.downstream = downstream;
        this.remote = remote;
        this.http2 = http2;
    }

    /** Wall-clock microseconds since the epoch of a {@link System#nanoTime()} value (as precise as the clock). */
    public static long epochMicros(long nanoTime) {
        return BASE_EPOCH_MICROS + (nanoTime - BASE_NANOS) / 1_000;
    }

    // ---------------------------------------------------------------- what observers read

    public String listenerName() {
        return listenerName;
    }

    public Direction direction() {
        return direction;
    }

    /** When the request head arrived, as wall-clock microseconds. */
    public long startEpochMicros() {
        return epochMicros(startNanos);
    }

    public long startNanos() {
        return startNanos;
    }

    /** When the request was completely received. */
    public long requestEndNanos() {
        return requestEndNanos;
    }

    /** When the last attempt's upstream stream was ready and its head was written. */
    public long upstreamStartNanos() {
        return upstreamStartNanos;
    }

    /** When the upstream's final response head arrived. */
    public long upstreamFirstByteNanos() {
        return upstreamFirstByteNanos;
    }

    /** When the response head (from upstream or made by the proxy) was written downstream. */
    public long responseFirstByteNanos() {
        return responseFirstByteNanos;
    }

    /** When the exchange ended. */
    public long endNanos() {
        return endNanos;
    }

    public String method() {
        return method;
    }

    /** The Host (HTTP/1.1) or :authority (HTTP/2) of the request, null when it had none. */
    public String authority() {
        return authority;
    }

    /** The request target in origin form, with its query, as received (before route rewrites). */
    public String path() {
        return path;
    }

    public String protocol() {
        return http2 ? "HTTP/2" : "HTTP/1.1";
    }

    /** The request's headers as forwarded (after the proxy's own changes). */
    public HttpHeaders requestHeaders() {
        return requestHeaders;
    }

    /** The response's headers, null until the response head went downstream. */
    public HttpHeaders responseHeaders() {
        return responseHeaders;
    }

    public long requestBodyBytes() {
        return requestBodyBytes;
    }

    public long responseBodyBytes() {
        return responseBodyBytes;
    }

    /** The response status sent downstream, 0 when none was. */
    public int status() {
        return status;
    }

    /** Why the proxy answered itself or aborted the response, null when it did neither. */
    public WeftError error() {
        return error;
    }

    /** The gRPC status of a gRPC response (from its headers or trailers), null otherwise. */
    public String grpcStatus() {
        return grpcStatus;
    }

    /** The matched route's name, null when none matched (or it has no name). */
    public String routeName() {
        return routeName;
    }

    /** The cluster the request was forwarded to, null when it was not. */
    public String clusterName() {
        return clusterName;
    }

    /** The cluster the request was forwarded to as it was then (its metadata names the Service), null when none. */
    public ClusterSpec upstreamCluster() {
        return upstreamCluster;
    }

    /** The endpoint of the last attempt (its metadata names the workload), null when there was none. */
    public Endpoint upstreamEndpoint() {
        return upstreamEndpoint;
    }

    /** The endpoint of the last attempt, null when no attempt reached the pool. */
    public InetSocketAddress upstreamAddress() {
        return upstreamEndpoint == null ? null : upstreamEndpoint.address();
    }

    /** The last attempt's endpoint as "ip:port", null when there was none. */
    public String upstreamHost() {
        return ipAndPort(upstreamAddress());
    }

    /**
     * An address as access logs and spans write it: "ip:port", "[ip]:port" for IPv6, the host name for an
     * unresolved one, its toString() when it is not an IP socket address; null for null.
     */
    public static String ipAndPort(SocketAddress a) {
        if (!(a instanceof InetSocketAddress isa)) {
            return a == null ? null : a.toString();
        }
        String host = isa.getAddress() != null ? isa.getAddress().getHostAddress() : isa.getHostString();
        return (isa.getAddress() instanceof java.net.Inet6Address ? "[" + host + "]" : host) + ":" + isa.getPort();
    }

    /** How many upstream attempts were made (0 when the request was never forwarded). */
    public int attempts() {
        return attempts;
    }

    public SocketAddress downstreamRemote() {
        return remote;
    }

    /** The URI SAN of the downstream's verified client certificate (a SPIFFE ID), null on plaintext. */
    public String downstreamPeerPrincipal() {
        if (!peerResolved) {
            PeerIdentity peer = PeerIdentity.of(downstream);
            peerPrincipal = peer == null ? null : peer.principal();
            peerResolved = true;
        }
        return peerPrincipal;
    }

    /**
     * The URI SAN (a SPIFFE ID) the upstream of the last attempt presented in its TLS handshake, which the
     * cluster's validation verified; null on plaintext or when no attempt got a stream.
     */
    public String upstreamPeerPrincipal() {
        PeerIdentity peer = upstreamChannel == null ? null : PeerIdentity.of(upstreamChannel);
        return peer == null ? null : peer.principal();
    }

    /** What the listener's RBAC filters decided, null when it has none. */
    public RbacVerdict authorization() {
        return authorization;
    }

    /** Whether the response went completely downstream (false: the downstream went away, or it was aborted). */
    public boolean completed() {
        return completed;
    }

    /** The tracer's state of this exchange, null when it has none. */
    public Object trace() {
        return trace;
    }

    public void trace(Object trace) {
        this.trace = trace;
    }

    /** The model-usage recorder's state of this exchange, null when it has none. */
    public Object usage() {
        return usage;
    }

    public void usage(Object usage) {
        this.usage = usage;
    }

    // ---------------------------------------------------------------- written by the router

    public void requestStarted(HttpRequest request, long nanos) {
        startNanos = nanos;
        method = request.method().name();
        authority = request.headers().get(HttpHeaderNames.HOST);
        path = request.uri();
        requestHeaders = request.headers();
    }

    /** A request the codec refused before it had a head (malformed HTTP/1.1): only its time is known. */
    public void requestRejected(long nanos) {
        startNanos = nanos;
        requestEndNanos = nanos;
    }

    public void requestEnded(long nanos, long bodyBytes) {
        requestEndNanos = nanos;
        requestBodyBytes = bodyBytes;
    }

    public void routed(String routeName, String clusterName) {
        this.routeName = routeName;
        this.clusterName = clusterName;
    }

    /** The route's cluster exists: {@code spec} is what it was when the request was forwarded. */
    public void clusterResolved(ClusterSpec spec) {
        this.upstreamCluster = spec;
    }

    public void authorized(RbacVerdict verdict) {
        this.authorization = verdict;
    }

    /** An attempt begins with this endpoint. */
    public void attemptStarted(Endpoint endpoint) {
        attempts++;
        upstreamEndpoint = endpoint;
    }

    /** The attempt got its stream: {@code channel} (an HTTP/2 stream's parent is its connection). */
    public void upstreamConnected(Channel channel) {
        upstreamChannel = channel;
    }

    /** The attempt's stream is ready and its head written. */
    public void upstreamStarted(long nanos) {
        upstreamStartNanos = nanos;
    }

    public void upstreamResponded(long nanos) {
        upstreamFirstByteNanos = nanos;
    }

    public void responseStarted(int status, HttpHeaders headers, long nanos) {
        this.status = status;
        this.responseHeaders = headers;
        this.responseFirstByteNanos = nanos;
    }

    public void responseBytes(int bytes) {
        responseBodyBytes += bytes;
    }

    public void grpcStatus(String status) {
        this.grpcStatus = status;
    }

    public void failed(WeftError error) {
        this.error = error;
    }

    public void ended(boolean completed, long nanos) {
        this.completed = completed;
        this.endNanos = nanos;
    }
}
