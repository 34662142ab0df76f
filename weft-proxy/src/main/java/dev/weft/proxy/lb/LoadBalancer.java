package dev.weft.proxy.lb;

import java.util.OptionalLong;

/**
 * Picks an endpoint for one request. Built by {@link LoadBalancers} over a fixed endpoint list (a
 * new balancer replaces it when the list changes); health changes of those endpoints are seen
 * without rebuilding. Thread-safe: event loops call {@link #choose} concurrently.
 */
public interface LoadBalancer {
    /**
     * The endpoint for a request with the given hash (used by RING_HASH only), from the
     * highest priority (lowest number) that has a healthy endpoint; null when none is healthy.
     */
    Endpoint choose(OptionalLong hash);
}
