package dev.weft.proxy.lb;

import java.util.OptionalLong;

/** Picks an endpoint for one request. Thread-safe. CONTRACT. */
public interface LoadBalancer {
    /**
     * The endpoint for a request with the given hash (used by RING_HASH only), from the
     * highest priority (lowest number) that has a healthy endpoint; null when none is healthy.
     */
    Endpoint choose(OptionalLong hash);
}
