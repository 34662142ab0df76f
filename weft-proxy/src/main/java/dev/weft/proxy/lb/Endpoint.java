package dev.weft.proxy.lb;

import dev.weft.proxy.config.WeftMetadata;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One resolved upstream host of a cluster: its address, load_balancing_weight and priority, plus
 * the two pieces of run-time state the balancers read: health (set by health checking or outlier
 * detection) and the number of requests in flight (kept by the router).
 */
public final class Endpoint {
    /**
     * Bumped on every health change of any endpoint. Balancers cache their healthy views under the
     * epoch they were computed at, so a pick costs one volatile read while health is stable; a
     * global counter (not per balancer) means an endpoint needs no back-references to the balancers
     * that hold it, which come and go with every endpoint-set update.
     */
    private static final AtomicLong HEALTH_EPOCH = new AtomicLong();

    private final InetSocketAddress address;
    private final int weight;
    private final int priority;
    private final WeftMetadata.Workload workload;
    private volatile boolean healthy;
    private final AtomicInteger activeRequests = new AtomicInteger();

    /**
     * @param weight   load_balancing_weight, at least 1
     * @param priority the locality's priority, 0 (highest) or more
     */
    public Endpoint(InetSocketAddress address, int weight, int priority, boolean healthy) {
        this(address, weight, priority, healthy, WeftMetadata.Workload.NONE);
    }

    /** @param workload the workload and version serving there (metrics labels), from the endpoint's metadata */
    public Endpoint(InetSocketAddress address, int weight, int priority, boolean healthy, WeftMetadata.Workload workload) {
        this.workload = Objects.requireNonNull(workload, "workload");
        this.address = Objects.requireNonNull(address, "address");
        if (weight < 1) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: >= 1)");
        }
        if (priority < 0) {
            throw new IllegalArgumentException("priority: " + priority + " (expected: >= 0)");
        }
        this.weight = weight;
        this.priority = priority;
        this.healthy = healthy;
    }

    public InetSocketAddress address() {
        return address;
    }

    public int weight() {
        return weight;
    }

    public int priority() {
        return priority;
    }

    /** The workload and version serving at this endpoint, as its metadata says ({@code NONE} when it does not). */
    public WeftMetadata.Workload workload() {
        return workload;
    }

    public boolean healthy() {
        return healthy;
    }

    /** Marks the endpoint healthy or not; balancers holding it see the change on their next pick. */
    public void setHealthy(boolean healthy) {
        if (this.healthy != healthy) {
            // The flag is written before the epoch moves: a balancer that read the old epoch
            // either saw the new flag or recomputes on its next pick.
            this.healthy = healthy;
            HEALTH_EPOCH.incrementAndGet();
        }
    }

    /** Requests in flight to this endpoint; the router increments before sending and decrements when done. */
    public int activeRequests() {
        return activeRequests.get();
    }

    public void requestStarted() {
        activeRequests.incrementAndGet();
    }

    /** Ends one request; an unmatched call leaves the count at 0 rather than going negative. */
    public void requestFinished() {
        activeRequests.getAndUpdate(n -> n > 0 ? n - 1 : 0);
    }

    /** The current health epoch (see {@link #HEALTH_EPOCH}). */
    static long healthEpoch() {
        return HEALTH_EPOCH.get();
    }

    @Override
    public String toString() {
        return address + "{weight=" + weight + ", priority=" + priority + ", healthy=" + healthy
                + ", active=" + activeRequests.get() + "}";
    }
}
