package dev.weft.controlplane.stats;

/**
 * Golden signals of some traffic over a window: requests counted, requests per second, the share that succeeded
 * (null without requests), and the request duration's p50/p95/p99 in milliseconds (null without observations).
 */
public record Signals(double requests, double rps, Double successRate, Double p50, Double p95, Double p99) {

    static final Signals NONE = new Signals(0, 0, null, null, null, null);

    /** The signals of {@code traffic}: its counts, and its rate as {@link Traffic#over} set it. */
    static Signals of(Traffic traffic) {
        Double success = traffic.requests() > 0 ? (traffic.requests() - traffic.failures()) / traffic.requests() : null;
        return new Signals(traffic.requests(), traffic.rps(), success, traffic.quantile(0.50),
                traffic.quantile(0.95), traffic.quantile(0.99));
    }
}
