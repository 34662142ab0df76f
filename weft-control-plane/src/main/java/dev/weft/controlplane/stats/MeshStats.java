package dev.weft.controlplane.stats;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The ring of recent scrapes of every proxy, and the views computed from it: per-service golden signals, the service
 * graph, and a service's signals scrape by scrape. A window's counts are, per proxy, its last scrape minus its first
 * scrape inside the window (a counter reset counts as a restart from zero), summed over proxies; its rate is, per
 * proxy, those counts over the time from its first scrape in the window to the window's end, summed (so a proxy that
 * joined during the window, or missed the last round, is neither diluted nor dropped). Thread-safe: the scraper
 * records, API threads read.
 */
public final class MeshStats {

    /** One scrape round: when it started, and what each proxy (by node id) answered. */
    record Tick(Instant at, Map<String, ProxyMetrics> proxies) {
    }

    /** The views of one window: the time it covers (null when fewer than two scrapes exist) and the counts. */
    public record Window(Instant from, Instant to, Map<TrafficKey, Traffic> traffic) {

        public double seconds() {
            return from == null ? 0 : Duration.between(from, to).toNanos() / 1e9;
        }
    }

    /** An edge of the service graph: {@code source} calls {@code destination}, as the callers' sidecars report it. */
    public record Edge(ServiceKey source, ServiceKey destination, Signals signals) {
    }

    /** A service's signals over one scrape interval ending at {@code at}. */
    public record Point(Instant at, Signals signals) {
    }

    private final Duration retention;
    private final Deque<Tick> ticks = new ArrayDeque<>();

    /** Keeps the scrapes of the last {@code retention}. */
    public MeshStats(Duration retention) {
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("retention: " + retention + " (expected: > 0)");
        }
        this.retention = retention;
    }

    /** How far back windows can reach. */
    public Duration retention() {
        return retention;
    }

    /** Adds one scrape round; rounds older than the retention leave the ring. */
    public synchronized void record(Instant at, Map<String, ProxyMetrics> proxies) {
        ticks.addLast(new Tick(at, Map.copyOf(proxies)));
        Instant oldest = at.minus(retention);
        // one tick older than the retention is kept so that a window of the full retention has a start
        while (ticks.size() > 2) {
            Iterator<Tick> it = ticks.iterator();
            it.next();
            if (it.next().at().isAfter(oldest)) {
                break;
            }
            ticks.removeFirst();
        }
    }

    /** The traffic of the last {@code window}: latest minus earliest scrape in it, per proxy, summed. */
    public Window window(Duration window) {
        List<Tick> in;
        synchronized (this) {
            in = new ArrayList<>(ticks);
        }
        if (in.size() < 2) {
            return new Window(null, null, Map.of());
        }
        Tick latest = in.get(in.size() - 1);
        Instant start = latest.at().minus(window);
        int first = in.size() - 2;
        while (first > 0 && !in.get(first - 1).at().isBefore(start)) {
            first--;
        }
        return new Window(in.get(first).at(), latest.at(), delta(in.subList(first, in.size())));
    }

    /**
     * Per service, the signals of the requests it received: as its own sidecars report them (reporter=destination),
     * or, for a service without a reporting sidecar, as its callers' sidecars do.
     */
    public Map<ServiceKey, Signals> services(Window window) {
        Map<ServiceKey, Traffic> inbound = sum(window, TrafficKey.DESTINATION);
        Map<ServiceKey, Traffic> called = sum(window, TrafficKey.SOURCE);
        called.keySet().removeAll(inbound.keySet());
        inbound.putAll(called);
        Map<ServiceKey, Signals> result = new TreeMap<>();
        inbound.forEach((service, traffic) -> result.put(service, Signals.of(traffic)));
        return result;
    }

    /**
     * Who calls whom, as the callers' sidecars report it (reporter=source), with the signals of each edge; calls that
     * only the callee's sidecar saw (a caller without a sidecar: source "unknown" when it came in plaintext) are edges
     * as the callee reported them.
     */
    public List<Edge> edges(Window window) {
        java.util.Comparator<List<ServiceKey>> order = (a, b) -> {
            int c = a.get(0).compareTo(b.get(0));
            return c != 0 ? c : a.get(1).compareTo(b.get(1));
        };
        Map<List<ServiceKey>, Traffic> callers = new TreeMap<>(order);
        Map<List<ServiceKey>, Traffic> callees = new TreeMap<>(order);
        window.traffic().forEach((key, traffic) -> {
            Map<List<ServiceKey>, Traffic> side = key.reporter().equals(TrafficKey.SOURCE) ? callers
                    : key.reporter().equals(TrafficKey.DESTINATION) ? callees : null;
            if (side != null) {
                side.merge(List.of(key.source(), key.destination()), traffic, Traffic::plus);
            }
        });
        callees.forEach(callers::putIfAbsent);
        List<Edge> result = new ArrayList<>();
        callers.forEach((pair, traffic) -> result.add(new Edge(pair.get(0), pair.get(1), Signals.of(traffic))));
        return result;
    }

    /** {@code service}'s signals over each scrape interval of the last {@code window}, oldest first. */
    public List<Point> series(ServiceKey service, Duration window) {
        List<Tick> in;
        synchronized (this) {
            in = new ArrayList<>(ticks);
        }
        List<Point> points = new ArrayList<>();
        if (in.isEmpty()) {
            return points;
        }
        Instant start = in.get(in.size() - 1).at().minus(window);
        for (int i = 1; i < in.size(); i++) {
            if (in.get(i - 1).at().isBefore(start)) {
                continue;
            }
            Window step = new Window(in.get(i - 1).at(), in.get(i).at(), delta(in.subList(i - 1, i + 1)));
            points.add(new Point(in.get(i).at(), services(step).getOrDefault(service, Signals.NONE)));
        }
        return points;
    }

    /** The latest scrape of each proxy that answered the last round, by node id. */
    public synchronized Map<String, ProxyMetrics> latest() {
        return ticks.isEmpty() ? Map.of() : ticks.getLast().proxies();
    }

    private static Map<ServiceKey, Traffic> sum(Window window, String reporter) {
        Predicate<TrafficKey> by = key -> key.reporter().equals(reporter);
        Map<ServiceKey, Traffic> result = new HashMap<>();
        window.traffic().forEach((key, traffic) -> {
            if (by.test(key)) {
                result.merge(key.destination(), traffic, Traffic::plus);
            }
        });
        return result;
    }

    /**
     * Per proxy seen in {@code ticks}: its counts in its last tick minus those in its first, at the rate of those
     * counts over the time from its first tick to the last of {@code ticks}; summed over proxies. A proxy seen in one
     * tick only adds nothing: what it counted so far happened before, at unknown times.
     */
    private static Map<TrafficKey, Traffic> delta(List<Tick> ticks) {
        Instant end = ticks.get(ticks.size() - 1).at();
        Map<String, ProxyMetrics> first = new HashMap<>();
        Map<String, Instant> firstAt = new HashMap<>();
        Map<String, ProxyMetrics> last = new HashMap<>();
        for (Tick tick : ticks) {
            tick.proxies().forEach((proxy, metrics) -> {
                if (first.putIfAbsent(proxy, metrics) == null) {
                    firstAt.put(proxy, tick.at());
                }
                last.put(proxy, metrics);
            });
        }
        Map<TrafficKey, Traffic> result = new HashMap<>();
        last.forEach((proxy, now) -> {
            ProxyMetrics before = first.get(proxy);
            if (before == now) {
                return;
            }
            double seconds = Duration.between(firstAt.get(proxy), end).toNanos() / 1e9;
            now.traffic().forEach((key, traffic) -> result.merge(key,
                    traffic.minus(before.traffic().getOrDefault(key, Traffic.EMPTY)).over(seconds), Traffic::plus));
        });
        return result;
    }
}
