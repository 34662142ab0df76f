package dev.weft.api.policy;

/**
 * The key of a RING_HASH balancer. YAML sets exactly one of {@code header: <name>}, {@code cookie: <name>} or
 * {@code sourceIP: true}; {@code name} is null for {@link Source#SOURCE_IP}.
 */
public record HashPolicy(Source source, String name) {

    /** What the hash key is taken from. */
    public enum Source {
        HEADER, COOKIE, SOURCE_IP
    }

    public static HashPolicy header(String name) {
        return new HashPolicy(Source.HEADER, name);
    }

    public static HashPolicy cookie(String name) {
        return new HashPolicy(Source.COOKIE, name);
    }

    public static HashPolicy sourceIp() {
        return new HashPolicy(Source.SOURCE_IP, null);
    }
}
