package dev.weft.proxy.observe;

import dev.weft.proxy.config.HttpSettings;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.metrics.ProxyMetrics;
import dev.weft.proxy.stats.Stats;
import dev.weft.proxy.tracing.TracingSink;
import dev.weft.proxy.upstream.ClusterManager;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxy's telemetry sinks (metrics, traces, access logs, tap), and for each listener the observers its
 * exchanges report to. One per proxy, made when it starts; a sink is added by one line in the constructor.
 * Listener contexts ask for their observers when a configuration is applied, so a sink's per-listener
 * configuration (an access log's format, a tracer's sampling) is compiled once per configuration.
 */
public final class Telemetry implements AutoCloseable {
    private static final ExchangeObserver[] NO_OBSERVERS = new ExchangeObserver[0];

    /** One kind of telemetry: makes the observer of a listener's filter chain. */
    public interface Sink extends AutoCloseable {
        /** The observer for exchanges served with {@code settings} on {@code listener}, null when none is needed. */
        ExchangeObserver observerFor(ListenerSpec listener, HttpSettings settings);

        /** Stops what the sink runs in the background (exporters, writers); called once when the proxy stops. */
        @Override
        default void close() {
        }
    }

    private final NodeIdentity node;
    private final Stats stats;
    private final List<Sink> sinks = new ArrayList<>();
    private volatile Runnable observersChanged = () -> { };
    /** The request and model metrics; null without sinks. */
    private ProxyMetrics metrics;

    /** Telemetry with no sink: exchanges report to nobody. */
    public static Telemetry none() {
        return new Telemetry(NodeIdentity.NONE, new Stats(), null, false, false);
    }

    /** @param clusters the proxy's clusters (a sink may send to one: the tracer's collector) */
    public Telemetry(NodeIdentity node, Stats stats, ClusterManager clusters) {
        this(node, stats, clusters, true, true);
    }

    /**
     * @param clusters       the proxy's clusters (a sink may send to one: the tracer's collector)
     * @param requestMetrics whether exchanges are recorded in the request and model metrics (off with the bootstrap's
     *                       {@code stats_config.stats_matcher.reject_all}); the proxy's counters are exposed either way
     */
    public Telemetry(NodeIdentity node, Stats stats, ClusterManager clusters, boolean requestMetrics) {
        this(node, stats, clusters, true, requestMetrics);
    }

    private Telemetry(NodeIdentity node, Stats stats, ClusterManager clusters, boolean withSinks,
            boolean requestMetrics) {
        this.node = node;
        this.stats = stats;
        if (withSinks) {
            registerSinks(clusters, requestMetrics);
        }
    }

    /** The sinks every proxy has; the order is the order observers are called in. */
    private void registerSinks(ClusterManager clusters, boolean requestMetrics) {
        metrics = new ProxyMetrics(node);
        if (requestMetrics) {
            sinks.add(metrics);
        }
        sinks.add(new TracingSink(node, stats, clusters));
        sinks.add(new dev.weft.proxy.accesslog.AccessLogSink(stats));
        sinks.add(new dev.weft.proxy.tap.TapSink(this, stats));
    }

    /**
     * Called by a sink whose observers changed without a new configuration (a tap subscribed, so that exchanges
     * start reporting to it): the proxy makes new listener contexts, which new exchanges then use.
     */
    public void observersChanged() {
        observersChanged.run();
    }

    /** What {@link #observersChanged()} runs: the proxy's rebuild of its listener contexts. */
    public void onObserversChanged(Runnable action) {
        observersChanged = action;
    }

    /** The sink of type {@code type} (the admin finds the access log writer and the tap by it), or null. */
    public <T extends Sink> T sink(Class<T> type) {
        for (Sink s : sinks) {
            if (type.isInstance(s)) {
                return type.cast(s);
            }
        }
        return null;
    }

    /** Adds a sink (for tests and embedders); observers made after this include it. */
    public void add(Sink sink) {
        sinks.add(sink);
    }

    public NodeIdentity node() {
        return node;
    }

    public Stats stats() {
        return stats;
    }

    /** The metrics sink (for the admin's /stats/prometheus), null for {@link #none()}. */
    public ProxyMetrics metrics() {
        return metrics;
    }

    /** The observers of exchanges served with {@code settings} on {@code listener}, in sink order. */
    public ExchangeObserver[] observersFor(ListenerSpec listener, HttpSettings settings) {
        ArrayList<ExchangeObserver> out = new ArrayList<>(sinks.size());
        for (Sink s : sinks) {
            ExchangeObserver o = s.observerFor(listener, settings);
            if (o != null) {
                out.add(o);
            }
        }
        return out.isEmpty() ? NO_OBSERVERS : out.toArray(NO_OBSERVERS);
    }

    @Override
    public void close() {
        for (Sink s : sinks) {
            s.close();
        }
    }
}
