package dev.weft.controlplane.registry;

/** Whether an instance is in the endpoint set. */
public enum InstanceHealth {
    /** Registered without a TTL, heartbeating within its TTL, or a sidecar with an open ADS stream. */
    HEALTHY,
    /** Its TTL ran out: it is listed, but receives no traffic. */
    EXPIRED
}
