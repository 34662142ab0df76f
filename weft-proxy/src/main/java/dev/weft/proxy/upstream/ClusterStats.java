package dev.weft.proxy.upstream;

import dev.weft.proxy.stats.Stats;
import java.util.concurrent.atomic.LongAdder;

/** The counters of one cluster, created once so requests never look names up. */
public final class ClusterStats {
    public final LongAdder cxTotal;
    public final LongAdder cxActive;
    public final LongAdder cxConnectFail;
    public final LongAdder cxConnectTimeout;
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

    ClusterStats(Stats stats, String cluster) {
        String p = "cluster." + cluster + ".";
        cxTotal = stats.counter(p + "upstream_cx_total");
        cxActive = stats.counter(p + "upstream_cx_active");
        cxConnectFail = stats.counter(p + "upstream_cx_connect_fail");
        cxConnectTimeout = stats.counter(p + "upstream_cx_connect_timeout");
        rqTotal = stats.counter(p + "upstream_rq_total");
        rqActive = stats.counter(p + "upstream_rq_active");
        rq2xx = stats.counter(p + "upstream_rq_2xx");
        rq3xx = stats.counter(p + "upstream_rq_3xx");
        rq4xx = stats.counter(p + "upstream_rq_4xx");
        rq5xx = stats.counter(p + "upstream_rq_5xx");
        rqRetry = stats.counter(p + "upstream_rq_retry");
        rqTimeout = stats.counter(p + "upstream_rq_timeout");
        rqPerTryTimeout = stats.counter(p + "upstream_rq_per_try_timeout");
        rqReset = stats.counter(p + "upstream_rq_reset");
        noHealthyUpstream = stats.counter(p + "upstream_cx_none_healthy");
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
