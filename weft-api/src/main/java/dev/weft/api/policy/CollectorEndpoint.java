package dev.weft.api.policy;

import java.util.Objects;

/**
 * Where a collector listens: a plain {@code http://host[:port]/path} URL split into its parts. The host is an IP
 * literal or a DNS name (without brackets for IPv6), the port defaults to 80, the path to the provider's.
 */
public record CollectorEndpoint(String host, int port, String path) {

    public CollectorEndpoint {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(path, "path");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1 to 65535)");
        }
    }

    /** The URL as it is written back ({@code http://host:port/path}, IPv6 in brackets). */
    public String url() {
        return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port + path;
    }
}
