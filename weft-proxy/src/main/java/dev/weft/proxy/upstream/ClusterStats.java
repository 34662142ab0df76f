package dev.weft.proxy.upstream;

import dev.weft.proxy.stats.ByteCounter;
import dev.weft.proxy.stats.Stats;
import java.util.concurrent.atomic.LongAdder;

/** The counters of one cluster, created once so requests never look names up. */
public final class ClusterStats {
    public final LongAdder cxTotal;
    public final LongAdder cxActive;
    public final LongAdder cxConnectFail;
    public final LongAdder cxConnectTimeout;
    /** Connections closed (after they were established). */
    public final LongAdder cxDestroy;
    /** Counts the bytes of the cluster's connections (TLS records included); first in their pipelines. */
    public final ByteCounter bytes;
    public final LongAdder rqTotal;
    public final LongAdder rqActive;
    public final LongAdder rq2xx;
    public final LongAdder rq3xx;
    public final LongAdder rq4xx;
    public final LongAdder rq5xx;
    public final LongAdder rqRetry;
    public final LongAdder rqTimeout;
    public final LongAdder rqPerTryTimeout;
    public final LongAdder rqReset;
    public final LongAdder noHealthyUpstream;
    /** A connection was not made because of max_connections (the request waited instead). */
    public final LongAdder cxOverflow;
    /** A request failed with overflow because of max_pending_requests or max_requests. */
    public final LongAdder rqPendingOverflow;
    /** A retry was not attempted because of max_retries. */
    public final LongAdder rqRetryOverflow;
    /** Copies of requests sent to this cluster by request_mirror_policies. */
    public final LongAdder rqMirrored;
    /** Copies abandoned before their response: the body outgrew the buffer limit, or the original request was. */
    public final LongAdder rqMirrorCancelled;
    private final Stats stats;
    private final String prefix;

    ClusterStats(Stats stats, String cluster) {
        String p = "cluster." + cluster + ".";
        stats.tag(p, "cluster.", "cluster_name", cluster);
        cxTotal = stats.counter(p + "upstream_cx_total");
        cxActive = stats.upDownCounter(p + "upstream_cx_active");
        cxConnectFail = stats.counter(p + "upstream_cx_connect_fail");
        cxConnectTimeout = stats.counter(p + "upstream_cx_connect_timeout");
        cxDestroy = stats.counter(p + "upstream_cx_destroy");
        bytes = new ByteCounter(stats.counter(p + "upstream_cx_rx_bytes_total"), stats.counter(p + "upstream_cx_tx_bytes_total"));
        rqTotal = stats.counter(p + "upstream_rq_total");
        rqActive = stats.upDownCounter(p + "upstream_rq_active");
        rq2xx = stats.counter(p + "upstream_rq_2xx");
        rq3xx = stats.counter(p + "upstream_rq_3xx");
        rq4xx = stats.counter(p + "upstream_rq_4xx");
        rq5xx = stats.counter(p + "upstream_rq_5xx");
        rqRetry = stats.counter(p + "upstream_rq_retry");
        rqTimeout = stats.counter(p + "upstream_rq_timeout");
        rqPerTryTimeout = stats.counter(p + "upstream_rq_per_try_timeout");
        rqReset = stats.counter(p + "upstream_rq_reset");
        noHealthyUpstream = stats.counter(p + "upstream_cx_none_healthy");
        cxOverflow = stats.counter(p + "upstream_cx_overflow");
        rqPendingOverflow = stats.counter(p + "upstream_rq_pending_overflow");
        rqRetryOverflow = stats.counter(p + "upstream_rq_retry_overflow");
        rqMirrored = stats.counter(p + "upstream_rq_mirrored");
        rqMirrorCancelled = stats.counter(p + "upstream_rq_mirror_cancelled");
        this.stats = stats;
        this.prefix = p;
    }

    /** Publishes the gauges of the cluster's circuit breakers, as Envoy names them. */
    void trackBreakers(CircuitBreakers b) {
        stats.gauge(prefix + "upstream_rq_pending_active", b::pendingRequests);
        String p = prefix + "circuit_breakers.default.";
        stats.gauge(p + "remaining_cx", b::remainingConnections);
        stats.gauge(p + "remaining_pending", b::remainingPendingRequests);
        stats.gauge(p + "remaining_rq", b::remainingRequests);
        stats.gauge(p + "remaining_retries", b::remainingRetries);
    }

    /** Counts a response status in its class. */
    public void recordStatus(int status) {
        if (status < 300) {
            rq2xx.increment();
        } else if (status < 400) {
            rq3xx.increment();
        } else if (status < 500) {
            rq4xx.increment();
        } else {
            rq5xx.increment();
        }
    }
}
