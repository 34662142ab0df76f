package dev.weft.proxy.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The proxy's counters and gauges by name (Envoy-style dotted names such as
 * {@code cluster.models.upstream_rq_2xx}). Counters are created once and then held by the code
 * that increments them, so the hot path never looks a name up.
 */
public final class Stats {
    private final ConcurrentHashMap<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongSupplier> gauges = new ConcurrentHashMap<>();

    /** The counter of that name, created at zero when new. */
    public LongAdder counter(String name) {
        return counters.computeIfAbsent(name, n -> new LongAdder());
    }

    /** Registers a gauge read when stats are shown. */
    public void gauge(String name, LongSupplier value) {
        gauges.put(name, value);
    }

    /** Current value of a counter or gauge, 0 when unknown. */
    public long value(String name) {
        LongAdder c = counters.get(name);
        if (c != null) {
            return c.sum();
        }
        LongSupplier g = gauges.get(name);
        return g == null ? 0 : g.getAsLong();
    }

    /** Every counter and gauge, sorted by name. */
    public Map<String, Long> snapshot() {
        TreeMap<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        gauges.forEach((k, v) -> out.put(k, v.getAsLong()));
        return out;
    }
}
