package dev.weft.proxy.upstream;

import com.google.protobuf.UInt32Value;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.SupportedFields;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The circuit breakers of one cluster (Envoy's {@code circuit_breakers.thresholds}, DEFAULT
 * priority): how many connections, requests waiting for a connection, requests and retries the
 * cluster may have at once, counted across every event loop. Thread-safe; a limit is never
 * exceeded, since each slot is taken with a compare-and-set.
 *
 * <p>Connection pools are per event loop, so a request waiting for a connection slot on one loop
 * may be blocked by idle connections of another. A pool that waits registers here; a freed slot
 * wakes one waiting pool on its own loop, and idle connections elsewhere are closed to free
 * their slots instead of being kept for reuse.
 */
public final class CircuitBreakers {
    /** Envoy's default for each threshold. */
    public static final int DEFAULT_LIMIT = 1024;

    private final int maxConnections;
    private final int maxPendingRequests;
    private final int maxRequests;
    private final int maxRetries;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();
    /** Pools with requests waiting for a connection slot, each at most once. */
    private final ConcurrentLinkedQueue<ConnectionPool> slotWaiters = new ConcurrentLinkedQueue<>();
    /** Every pool of the cluster: asked to close idle connections when another pool waits for a slot. */
    private final List<ConnectionPool> pools = new CopyOnWriteArrayList<>();

    CircuitBreakers(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {
        this.maxConnections = maxConnections;
        this.maxPendingRequests = maxPendingRequests;
        this.maxRequests = maxRequests;
        this.maxRetries = maxRetries;
    }

    /** Registers the circuit-breaker fields this package implements. */
    public static void registerFields(SupportedFields fields) {
        fields.allow(Cluster.getDescriptor(), "circuit_breakers")
                .allow(io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.getDescriptor(), "thresholds")
                .allow(io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.Thresholds.getDescriptor(), "priority",
                        "max_connections", "max_pending_requests", "max_requests", "max_retries", "track_remaining");
    }

    /**
     * Checks what the supported-field table cannot: only the DEFAULT priority, once. A
     * {@link ConfigException}'s path is relative to the cluster.
     */
    public static void validate(Cluster cluster) throws ConfigException {
        List<io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.Thresholds> thresholds =
                cluster.getCircuitBreakers().getThresholdsList();
        for (int i = 0; i < thresholds.size(); i++) {
            RoutingPriority priority = thresholds.get(i).getPriority();
            if (priority != RoutingPriority.DEFAULT) {
                throw new ConfigException("circuit_breakers.thresholds[" + i + "].priority",
                        (priority == RoutingPriority.UNRECOGNIZED ? "value " + thresholds.get(i).getPriorityValue() : priority.name())
                                + " is not supported by Weft (supported: DEFAULT; requests have no priority)");
            }
            if (i > 0) {
                throw new ConfigException("circuit_breakers.thresholds[" + i + "]",
                        "DEFAULT priority is already configured by circuit_breakers.thresholds[0]");
            }
        }
    }

    /** The breakers of a (validated) cluster: its DEFAULT thresholds, Envoy's defaults for what is unset. */
    static CircuitBreakers of(Cluster cluster) {
        if (cluster.getCircuitBreakers().getThresholdsCount() == 0) {
            return new CircuitBreakers(DEFAULT_LIMIT, DEFAULT_LIMIT, DEFAULT_LIMIT, DEFAULT_LIMIT);
        }
        io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.Thresholds t = cluster.getCircuitBreakers().getThresholds(0);
        return new CircuitBreakers(
                limit(t.hasMaxConnections(), t.getMaxConnections()),
                limit(t.hasMaxPendingRequests(), t.getMaxPendingRequests()),
                limit(t.hasMaxRequests(), t.getMaxRequests()),
                limit(t.hasMaxRetries(), t.getMaxRetries()));
    }

    private static int limit(boolean present, UInt32Value value) {
        return present ? (int) Math.min(Integer.MAX_VALUE, Integer.toUnsignedLong(value.getValue())) : DEFAULT_LIMIT;
    }

    private static boolean tryTake(AtomicInteger count, int max) {
        for (;;) {
            int n = count.get();
            if (n >= max) {
                return false;
            }
            if (count.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Takes a request slot (max_requests); false when the cluster is at its limit. */
    public boolean tryRequest() {
        return tryTake(requests, maxRequests);
    }

    /** Gives back a slot taken by {@link #tryRequest()}. */
    public void requestFinished() {
        requests.decrementAndGet();
    }

    /** Takes a retry slot (max_retries); false when the cluster is at its limit. */
    public boolean tryRetry() {
        return tryTake(retries, maxRetries);
    }

    /** Gives back a slot taken by {@link #tryRetry()}. */
    public void retryFinished() {
        retries.decrementAndGet();
    }

    public int maxConnections() {
        return maxConnections;
    }

    public int maxPendingRequests() {
        return maxPendingRequests;
    }

    public int maxRequests() {
        return maxRequests;
    }

    public int maxRetries() {
        return maxRetries;
    }

    /** Requests now waiting for a connection. */
    public int pendingRequests() {
        return pending.get();
    }

    public int remainingConnections() {
        return Math.max(0, maxConnections - connections.get());
    }

    public int remainingPendingRequests() {
        return Math.max(0, maxPendingRequests - pending.get());
    }

    public int remainingRequests() {
        return Math.max(0, maxRequests - requests.get());
    }

    public int remainingRetries() {
        return Math.max(0, maxRetries - retries.get());
    }

    boolean tryPending() {
        return tryTake(pending, maxPendingRequests);
    }

    void pendingFinished() {
        pending.decrementAndGet();
    }

    /** Takes a connection slot (max_connections) before connecting; false when the cluster is at its limit. */
    boolean tryConnection() {
        return tryTake(connections, maxConnections);
    }

    /** A connection that held a slot closed (or failed to connect): its slot goes to a waiting pool. */
    void connectionClosed() {
        connections.decrementAndGet();
        wakeOne();
    }

    void register(ConnectionPool pool) {
        pools.add(pool);
    }

    /** Whether some pool waits for a connection slot, so idle connections should not be kept. */
    boolean hasSlotWaiters() {
        return !slotWaiters.isEmpty();
    }

    /**
     * {@code pool} has requests waiting for a connection slot: it is woken on its loop when one is
     * freed, and the other pools close their idle connections to free theirs.
     */
    void awaitSlot(ConnectionPool pool) {
        slotWaiters.add(pool);
        for (ConnectionPool p : pools) {
            if (p != pool) {
                execute(p, p::closeIdleForWaiters);
            }
        }
        // a slot freed between the caller's failed attempt and its registration has woken nobody
        if (connections.get() < maxConnections) {
            wakeOne();
        }
    }

    /** Wakes one waiting pool if a slot is free; called again by a woken pool that did not use the slot. */
    void wakeOne() {
        if (connections.get() >= maxConnections) {
            return;
        }
        ConnectionPool p = slotWaiters.poll();
        if (p != null) {
            execute(p, p::onSlotFreed);
        }
    }

    private static void execute(ConnectionPool pool, Runnable task) {
        try {
            pool.loop().execute(task);
        } catch (RejectedExecutionException shuttingDown) {
            // the proxy is stopping: its connections close and nobody waits for them any more
        }
    }
}
