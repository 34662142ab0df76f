package dev.weft.bench.peers;

import java.net.URI;
import java.util.List;

/**
 * Where one column of the comparison sends its load: the upstream directly or a proxy in front of
 * it, with the processes whose CPU and memory count for it (none for direct).
 *
 * @param name the column name in the tables
 * @param http1 the HTTP/1.1 base URI
 * @param h2 the h2c (prior knowledge) base URI
 * @param sse the URI of the server-sent-events stream (for direct, the SSE server itself)
 * @param grpc where gRPC calls go (h2c; for direct, the {@link GrpcUpstream} itself), null when the target carries
 *             no gRPC (the fleets of the mtls and telemetry benchmarks)
 * @param pids the processes of the proxy (their direct children are counted too)
 */
record Target(String name, URI http1, URI h2, URI sse, URI grpc, List<Long> pids) {

    static final String DIRECT = "direct";
    static final String NGINX = "nginx";
    static final String HAPROXY = "haproxy";
    static final String WEFT = "weft";
    static final String WEFT_TWO_HOPS = "weft x2";
    static final String WEFT_TWO_HOPS_MTLS = "weft x2 mTLS";
    static final String WEFT_TELEMETRY_OFF = "weft, telemetry off";
    static final String WEFT_TELEMETRY_ON = "weft, telemetry on";
    static final String WEFT_METRICS_ONLY = "weft, metrics only";
    static final String WEFT_TRACING_ONLY = "weft, tracing only";
    static final String WEFT_ACCESS_LOG_ONLY = "weft, access log only";

    Target {
        pids = List.copyOf(pids);
    }

    /** A target that carries no gRPC. */
    Target(String name, URI http1, URI h2, URI sse, List<Long> pids) {
        this(name, http1, h2, sse, null, pids);
    }

    boolean carriesGrpc() {
        return grpc != null;
    }

    boolean isProxy() {
        return !pids.isEmpty();
    }
}
