package dev.weft.proxy.tracing;

import dev.weft.proxy.config.HttpSettings;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.observe.ExchangeObserver;
import dev.weft.proxy.observe.NodeIdentity;
import dev.weft.proxy.observe.RequestInfo;
import dev.weft.proxy.observe.Telemetry;
import dev.weft.proxy.stats.Stats;
import dev.weft.proxy.upstream.ClusterManager;
import dev.weft.proxy.upstream.UpstreamCluster;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tracing sink: a {@link Tracer} for each listener chain whose http_connection_manager has {@code tracing},
 * and one {@link SpanExporter} per distinct collector, shared by every chain that names it and kept until the
 * proxy stops (a configuration rarely names more than one). The collector's address is taken from its cluster
 * at each report, so a collector whose endpoints change (EDS, DNS) is followed.
 */
public final class TracingSink implements Telemetry.Sink {
    private final NodeIdentity node;
    private final Stats stats;
    private final ClusterManager clusters;
    private final SpanExporter.Settings settings;
    private final Map<TracingConfig.Exporter, SpanExporter> exporters = new HashMap<>();
    private boolean closed;

    public TracingSink(NodeIdentity node, Stats stats, ClusterManager clusters) {
        this(node, stats, clusters, SpanExporter.Settings.DEFAULT);
    }

    public TracingSink(NodeIdentity node, Stats stats, ClusterManager clusters, SpanExporter.Settings settings) {
        this.node = node;
        this.stats = stats;
        this.clusters = clusters;
        this.settings = settings;
    }

    @Override
    public synchronized ExchangeObserver observerFor(ListenerSpec listener, HttpSettings settings) {
        TracingConfig config = settings.tracing();
        if (config == null || closed) {
            return null;
        }
        SpanExporter exporter = exporters.computeIfAbsent(config.exporter(), this::exporter);
        return new Tracer(config, exporter, node.id());
    }

    private SpanExporter exporter(TracingConfig.Exporter e) {
        AtomicInteger next = new AtomicInteger();
        HttpCollector transport = new HttpCollector(() -> address(e.cluster(), next), e.path(), e.host(),
                (int) Math.min(Integer.MAX_VALUE, e.timeoutMillis()));
        String service = e.serviceName() != null ? e.serviceName() : node.service();
        return new SpanExporter(e.provider().statName(), e.provider().encoder(), transport, service, settings, stats);
    }

    /** A healthy endpoint of the collector cluster, in turn; null when it has none (the report then fails). */
    private InetSocketAddress address(String cluster, AtomicInteger next) {
        UpstreamCluster c = clusters.get(cluster);
        if (c == null) {
            return null;
        }
        List<Endpoint> endpoints = c.endpoints();
        int n = endpoints.size();
        for (int i = 0; i < n; i++) {
            Endpoint e = endpoints.get(Math.floorMod(next.getAndIncrement(), n));
            if (e.healthy()) {
                return e.address();
            }
        }
        return null;
    }

    /** The trace id of an exchange as 32 hex digits: its sampled trace's, else the one its headers carry; or null. */
    public static String traceId(RequestInfo info) {
        if (info.trace() instanceof Tracer.State s) {
            return s.traceIdHex();
        }
        if (info.requestHeaders() == null) {
            return null;
        }
        TraceContext c = Propagation.extract(info.requestHeaders());
        return c == null || !c.hasIds() ? null : Hex.of(c.traceIdHigh(), c.traceIdLow(), false);
    }

    @Override
    public synchronized void close() {
        closed = true;
        exporters.values().forEach(SpanExporter::close);
        exporters.clear();
    }
}
