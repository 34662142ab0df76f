package dev.weft.controlplane.registry;

import java.util.Locale;

/** Where a registry instance comes from. */
public enum InstanceSource {
    /** A {@code ServiceInstance} resource applied to the store. */
    STATIC,
    /** {@code POST /v1/instances} ({@code weft register}). */
    API,
    /** A sidecar's ADS stream, from its node metadata. */
    SIDECAR;

    /** The lowercase spelling of the HTTP API and the state file. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static InstanceSource fromWireName(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }
}
