package dev.weft.proxy.config;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.netty.handler.ssl.SslContext;
import java.util.List;

/**
 * One upstream cluster as the data plane runs it.
 *
 * @param name                         cluster name
 * @param type                         how endpoints are discovered
 * @param endpoints                    the load_assignment's (EDS: the ClusterLoadAssignment's) endpoints, unresolved
 * @param proto                        the validated Cluster proto (load-balancer settings are read from it)
 * @param connectTimeoutMillis         connect_timeout (default 5 s)
 * @param idleTimeoutMillis            an idle pooled connection is closed after this (default 1 h), 0 for never
 * @param maxRequestsPerConnection     a connection is retired after this many requests, 0 for no limit
 * @param protocol                     the upstream HTTP version
 * @param tls                          client TLS context (ALPN offered per {@code protocol}), null for plaintext
 * @param sni                          server name to send with TLS, null for none
 * @param dnsRefreshMillis             re-resolution period of DNS clusters (default 5 s)
 * @param perConnectionBufferLimitBytes bound of the request body a retry may replay (default 1 MiB)
 */
public record ClusterSpec(
        String name,
        DiscoveryType type,
        List<EndpointSpec> endpoints,
        Cluster proto,
        long connectTimeoutMillis,
        long idleTimeoutMillis,
        int maxRequestsPerConnection,
        UpstreamProtocol protocol,
        SslContext tls,
        String sni,
        long dnsRefreshMillis,
        int perConnectionBufferLimitBytes) {

    public ClusterSpec {
        endpoints = List.copyOf(endpoints);
    }

    /** Cluster discovery types Weft supports. */
    public enum DiscoveryType { STATIC, STRICT_DNS, LOGICAL_DNS, EDS }

    /** The HTTP version spoken to the cluster; ALPN picks between the two on TLS clusters. */
    public enum UpstreamProtocol { HTTP1, HTTP2, ALPN }
}
