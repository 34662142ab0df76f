package dev.weft.proxy.observe;

/**
 * Which way a listener's traffic goes, from Envoy's {@code Listener.traffic_direction}: into the workload beside
 * the proxy (INBOUND: the proxy reports as the destination) or out of it (OUTBOUND: the proxy reports as the
 * source). A static listener that does not say is UNSPECIFIED.
 */
public enum Direction {
    INBOUND,
    OUTBOUND,
    UNSPECIFIED
}
