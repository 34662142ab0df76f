package dev.weft.proxy.metrics;

import dev.weft.proxy.config.ClusterSpec;
import dev.weft.proxy.config.WeftMetadata;
import dev.weft.proxy.http.WeftError;
import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.observe.NodeIdentity;
import dev.weft.proxy.observe.RequestInfo;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Istio-style request metrics: {@code weft_requests_total}, {@code weft_request_duration_milliseconds},
 * {@code weft_request_bytes} and {@code weft_response_bytes}, by reporter, source, destination, response code,
 * gRPC status, x-weft-error code and route.
 *
 * <p>The hot path: a completed exchange fills a per-thread probe key with what its labels derive from (strings
 * the configuration or the connection already hold, the status, the error), and finds its series with one
 * lookup; only a new combination builds label strings. Series are never removed, and there are at most
 * {@code maxSeries} of them: the requests of any further label set are counted in an {@code overflow} series
 * (and {@code weft_metrics_overflow_total} says how many label sets went there), so a client cannot make the
 * proxy grow without bound. No raw path or authority is a label.
 */
public final class RequestMetrics {
    static final String[] LABELS = {"reporter", "source_workload", "source_namespace", "source_principal",
        "destination_service", "destination_workload", "destination_namespace", "destination_version",
        "response_code", "grpc_response_status", "response_flags", "route"};
    static final String UNKNOWN = NodeIdentity.UNKNOWN;
    /** response_flags of an exchange the downstream left before its response was complete. */
    static final String DOWNSTREAM_DISCONNECT = "downstream_disconnect";
    private static final String[] STATUS_TEXT = new String[600];

    static {
        for (int i = 0; i < STATUS_TEXT.length; i++) {
            STATUS_TEXT[i] = Integer.toString(i);
        }
    }

    private final NodeIdentity node;
    private final int maxSeries;
    private volatile Local local;
    private final ConcurrentHashMap<Key, Series> byKey = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Series> byLabels = new ConcurrentHashMap<>();
    private final Series[] overflow = new Series[2];
    private final LongAdder overflowed = new LongAdder();
    private final FastThreadLocal<Key> probe = new FastThreadLocal<>() {
        @Override
        protected Key initialValue() {
            return new Key();
        }
    };

    /** This proxy's own workload and principal (they become known when its identity does). */
    private record Local(String workload, String principal) {}

    /** One label set's counter and histograms. */
    static final class Series {
        final String labels;
        final LongAdder requests = new LongAdder();
        final Histogram duration = new Histogram(Buckets.DURATION_MS);
        final Histogram requestBytes = new Histogram(Buckets.BYTES);
        final Histogram responseBytes = new Histogram(Buckets.BYTES);

        Series(String labels) {
            this.labels = labels;
        }
    }

    RequestMetrics(NodeIdentity node, int maxSeries) {
        this.node = node;
        this.maxSeries = maxSeries;
        this.local = new Local(node.service(), UNKNOWN);
        for (int r = 0; r < 2; r++) {
            String[] values = new String[LABELS.length];
            java.util.Arrays.fill(values, "overflow");
            values[0] = r == 0 ? "source" : "destination";
            overflow[r] = new Series(MetricWriter.labels(LABELS, values));
        }
    }

    /**
     * This proxy's workload identity: its workload label becomes the SPIFFE ID's service account, its principal
     * the ID (series made from now on carry them).
     */
    void localIdentity(String workload, String principal) {
        local = new Local(workload, principal);
    }

    /** Records one completed exchange; {@code destination} when this proxy is the destination (inbound). */
    void record(RequestInfo info, boolean destination) {
        Series s = series(info, destination);
        if (info.startNanos() != 0 && info.endNanos() != 0) {
            s.duration.record(info.endNanos() - info.startNanos());
        }
        s.requestBytes.record(info.requestBodyBytes());
        s.responseBytes.record(info.responseBodyBytes());
        // last: a scrape that counts this request also sees its duration and sizes
        s.requests.increment();
    }

    private Series series(RequestInfo info, boolean destination) {
        Key k = probe.get();
        k.set(info, destination, local);
        Series s = byKey.get(k);
        return s != null ? s : resolve(k.copy());
    }

    private Series resolve(Key key) {
        String labels = MetricWriter.labels(LABELS, key.labelValues(node));
        Series s = byLabels.get(labels);
        if (s == null) {
            if (byLabels.size() >= maxSeries) {
                overflowed.increment();
                s = overflow[key.destination ? 1 : 0];
            } else {
                s = byLabels.computeIfAbsent(labels, Series::new);
            }
        }
        if (byKey.size() >= 4 * maxSeries) {
            // keys that differ only in what labels do not show (stale configuration objects): start afresh
            byKey.clear();
        }
        byKey.put(key, s);
        return s;
    }

    void write(MetricWriter w) {
        Series[] all = byLabels.values().toArray(new Series[0]);
        java.util.Arrays.sort(all, (a, b) -> a.labels.compareTo(b.labels));
        java.util.List<Series> series = new java.util.ArrayList<>(java.util.List.of(all));
        for (Series o : overflow) {
            if (o.requests.sum() > 0) {
                series.add(o);
            }
        }
        w.family(MetricWriter.Type.COUNTER, "weft_requests_total", "Requests the proxy handled, Istio-style labels.");
        for (Series s : series) {
            w.sample(s.labels, s.requests.sum());
        }
        histogram(w, series, "weft_request_duration_milliseconds",
                "Time from the request head to the end of the response, in milliseconds.", 0);
        histogram(w, series, "weft_request_bytes", "Request body sizes, in bytes.", 1);
        histogram(w, series, "weft_response_bytes", "Response body sizes, in bytes.", 2);
    }

    private static void histogram(MetricWriter w, java.util.List<Series> series, String name, String help, int which) {
        w.family(MetricWriter.Type.HISTOGRAM, name, help);
        for (Series s : series) {
            Histogram h = which == 0 ? s.duration : which == 1 ? s.requestBytes : s.responseBytes;
            w.sample(s.labels, h.snapshot(), h.buckets());
        }
    }

    /** Label sets that went to the overflow series. */
    long overflowed() {
        return overflowed.sum();
    }

    /** How many label sets have a series of their own. */
    int seriesCount() {
        return byLabels.size();
    }

    /** Label values of a SPIFFE ID: its namespace and service account, "unknown" when it is not one. */
    static String[] spiffeParts(String principal) {
        // spiffe://<trust domain>/ns/<namespace>/sa/<account>
        if (principal != null && principal.startsWith("spiffe://")) {
            int ns = principal.indexOf("/ns/", "spiffe://".length());
            int sa = ns < 0 ? -1 : principal.indexOf("/sa/", ns + 4);
            if (ns >= 0 && sa > ns + 4 && sa + 4 < principal.length() && principal.indexOf('/', sa + 4) < 0) {
                return new String[] {principal.substring(ns + 4, sa), principal.substring(sa + 4)};
            }
        }
        return new String[] {UNKNOWN, UNKNOWN};
    }

    /**
     * What a series' labels derive from. Every field is a value (strings the configuration or connection holds,
     * the status, the error), so equal keys make equal labels; the reporter decides which fields count.
     */
    static final class Key {
        /** Compared by identity: series made before the identity was known keep their labels. */
        Local local;
        boolean destination;
        String destService;
        String destNamespace;
        String destWorkload;
        String destVersion;
        String peer;
        String route;
        String grpc;
        int status;
        WeftError error;
        boolean disconnected;
        private int hash;

        void set(RequestInfo info, boolean destination, Local local) {
            this.local = local;
            this.destination = destination;
            if (destination) {
                destService = null;
                destNamespace = null;
                destWorkload = null;
                destVersion = null;
                peer = info.downstreamPeerPrincipal();
            } else {
                peer = null;
                ClusterSpec cluster = info.upstreamCluster();
                if (cluster != null) {
                    WeftMetadata.Service service = cluster.service();
                    destService = service.service() != null ? service.service() : cluster.name();
                    destNamespace = service.namespace();
                } else {
                    destService = info.clusterName();
                    destNamespace = null;
                }
                Endpoint e = info.upstreamEndpoint();
                WeftMetadata.Workload w = e == null ? WeftMetadata.Workload.NONE : e.workload();
                destWorkload = w.workload();
                destVersion = w.version();
            }
            route = info.routeName();
            grpc = info.grpcStatus();
            status = info.status();
            error = info.error();
            disconnected = !info.completed() && error == null;
            int h = destination ? 1 : 0;
            h = 31 * h + Objects.hashCode(destService);
            h = 31 * h + Objects.hashCode(destNamespace);
            h = 31 * h + Objects.hashCode(destWorkload);
            h = 31 * h + Objects.hashCode(destVersion);
            h = 31 * h + Objects.hashCode(peer);
            h = 31 * h + Objects.hashCode(route);
            h = 31 * h + Objects.hashCode(grpc);
            h = 31 * h + status;
            h = 31 * h + (error == null ? 0 : error.ordinal() + 1);
            h = 31 * h + (disconnected ? 1 : 0);
            hash = h;
        }

        Key copy() {
            Key k = new Key();
            k.local = local;
            k.destination = destination;
            k.destService = destService;
            k.destNamespace = destNamespace;
            k.destWorkload = destWorkload;
            k.destVersion = destVersion;
            k.peer = peer;
            k.route = route;
            k.grpc = grpc;
            k.status = status;
            k.error = error;
            k.disconnected = disconnected;
            k.hash = hash;
            return k;
        }

        String[] labelValues(NodeIdentity node) {
            String[] v = new String[LABELS.length];
            v[0] = destination ? "destination" : "source";
            if (destination) {
                String[] src = spiffeParts(peer);
                v[1] = src[1];
                v[2] = src[0];
                v[3] = peer == null ? UNKNOWN : peer;
                v[4] = node.service();
                v[5] = local.workload();
                v[6] = node.namespace();
                v[7] = node.version();
            } else {
                v[1] = local.workload();
                v[2] = node.namespace();
                v[3] = local.principal();
                v[4] = or(destService);
                v[5] = or(destWorkload);
                v[6] = or(destNamespace);
                v[7] = or(destVersion);
            }
            v[8] = status >= 0 && status < STATUS_TEXT.length ? STATUS_TEXT[status] : UNKNOWN;
            v[9] = grpcLabel(grpc);
            v[10] = error != null ? error.code() : disconnected ? DOWNSTREAM_DISCONNECT : "-";
            v[11] = route == null || route.isEmpty() ? "-" : route;
            return v;
        }

        /** A gRPC status as sent (digits only, as the protocol has them), else "-"; no upstream can invent labels. */
        private static String grpcLabel(String grpc) {
            if (grpc == null) {
                return "-";
            }
            String g = grpc.trim();
            if (g.isEmpty() || g.length() > 2) {
                return "invalid";
            }
            for (int i = 0; i < g.length(); i++) {
                if (g.charAt(i) < '0' || g.charAt(i) > '9') {
                    return "invalid";
                }
            }
            return g;
        }

        private static String or(String s) {
            return s == null || s.isEmpty() ? UNKNOWN : s;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && k.local == local && k.destination == destination && k.status == status
                    && k.error == error && k.disconnected == disconnected
                    && Objects.equals(k.route, route) && Objects.equals(k.destService, destService)
                    && Objects.equals(k.destWorkload, destWorkload) && Objects.equals(k.destVersion, destVersion)
                    && Objects.equals(k.destNamespace, destNamespace) && Objects.equals(k.peer, peer)
                    && Objects.equals(k.grpc, grpc);
        }
    }

    /** For tests: label set → request count. */
    Map<String, Long> counts() {
        Map<String, Long> m = new java.util.TreeMap<>();
        byLabels.forEach((k, v) -> m.put(k, v.requests.sum()));
        return m;
    }
}
