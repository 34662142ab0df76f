package dev.weft.proxy.stats;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The proxy's counters and gauges by name (Envoy-style dotted names such as
 * {@code cluster.models.upstream_rq_2xx}). Counters are created once and then held by the code
 * that increments them, so the hot path never looks a name up.
 *
 * <p>For the Prometheus exposition, code that makes names with a variable part (a cluster's, a listener's)
 * registers that part as a {@linkplain #tag tag}: {@code cluster.<name>.} becomes the family prefix
 * {@code cluster.} and the label {@code cluster_name="<name>"}, as Envoy's tag extraction does.
 */
public final class Stats {
    private final ConcurrentHashMap<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongSupplier> gauges = new ConcurrentHashMap<>();
    private final Set<String> upDown = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, Tag> tags = new ConcurrentHashMap<>();

    /**
     * What a name prefix stands for: the family prefix it is replaced by and the labels it carries.
     *
     * @param labels label name → value, in exposition order
     */
    public record Tag(String family, Map<String, String> labels) {}

    /** What {@link #forEach} shows of one stat. */
    public interface Visitor {
        void stat(String name, long value, boolean gauge);
    }

    /** The counter of that name, created at zero when new. */
    public LongAdder counter(String name) {
        return counters.computeIfAbsent(name, n -> new LongAdder());
    }

    /**
     * A value that goes up and down (connections or requests active), kept like a counter but shown as a
     * gauge.
     */
    public LongAdder upDownCounter(String name) {
        upDown.add(name);
        return counter(name);
    }

    /** Registers a gauge read when stats are shown. */
    public void gauge(String name, LongSupplier value) {
        gauges.put(name, value);
    }

    /**
     * Declares that names starting with {@code prefix} (ending in '.') are {@code family} (ending in '.')
     * followed by the rest of the name, with {@code labels} (name, value, name, value, ...). The longest
     * prefix that matches a name wins.
     */
    public void tag(String prefix, String family, String... labels) {
        if (!prefix.endsWith(".") || !family.endsWith(".") || labels.length % 2 != 0) {
            throw new IllegalArgumentException("tag: prefix " + prefix + " family " + family
                    + " (expected: both ending in '.', labels as name/value pairs)");
        }
        java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            m.put(labels[i], labels[i + 1]);
        }
        tags.put(prefix, new Tag(family, java.util.Collections.unmodifiableMap(m)));
    }

    /** The tag of the longest registered prefix of {@code name} and that prefix's length; null when none. */
    public Map.Entry<Integer, Tag> tagOf(String name) {
        Map.Entry<Integer, Tag> best = null;
        for (int i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) {
            Tag t = tags.get(name.substring(0, i + 1));
            if (t != null) {
                best = Map.entry(i + 1, t);
            }
        }
        return best;
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

    /** Every counter and gauge with its kind, in no particular order. */
    public void forEach(Visitor visitor) {
        counters.forEach((k, v) -> visitor.stat(k, v.sum(), upDown.contains(k)));
        gauges.forEach((k, v) -> visitor.stat(k, v.getAsLong(), true));
    }
}
