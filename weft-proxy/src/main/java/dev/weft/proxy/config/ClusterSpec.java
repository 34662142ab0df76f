package dev.weft.proxy.config;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.netty.handler.ssl.SslContext;
import java.util.List;
import java.util.Map;

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
 * @param transport                    the cluster's transport_socket: TLS (ALPN offered per {@code protocol}) or plaintext
 * @param transportSocketMatches       per endpoint metadata, transports that replace {@code transport}
 * @param dnsRefreshMillis             re-resolution period of DNS clusters (default 5 s)
 * @param perConnectionBufferLimitBytes bound of the request body a retry may replay (default 1 MiB)
 * @param service                      its {@code metadata.filter_metadata["weft"]}: the Service it reaches
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
        UpstreamTransport transport,
        List<TransportSocketMatch> transportSocketMatches,
        long dnsRefreshMillis,
        int perConnectionBufferLimitBytes,
        WeftMetadata.Service service) {

    public ClusterSpec {
        endpoints = List.copyOf(endpoints);
        transportSocketMatches = List.copyOf(transportSocketMatches);
        if (service == null) {
            service = WeftMetadata.Service.NONE;
        }
    }

    /** Cluster discovery types Weft supports. */
    public enum DiscoveryType { STATIC, STRICT_DNS, LOGICAL_DNS, EDS }

    /** The HTTP version spoken to the cluster; ALPN picks between the two on TLS clusters. */
    public enum UpstreamProtocol { HTTP1, HTTP2, ALPN }

    /**
     * One entry of transport_socket_matches: endpoints whose {@code envoy.transport_socket_match} metadata has
     * every key of {@code match} with an equal value use {@code transport}.
     */
    public record TransportSocketMatch(String name, Struct match, UpstreamTransport transport) {
        boolean matches(Struct metadata) {
            for (Map.Entry<String, Value> e : match.getFieldsMap().entrySet()) {
                if (!e.getValue().equals(metadata.getFieldsMap().get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The cluster-level TLS context, null for plaintext. */
    public SslContext tls() {
        return transport.tls();
    }

    /** The cluster-level server name to send with TLS, null for none. */
    public String sni() {
        return transport.sni();
    }

    /**
     * Which transport an endpoint uses, as Envoy picks it: the index of the first transport_socket_matches entry
     * its metadata matches, or -1 for the cluster's transport_socket.
     */
    public int transportIndex(EndpointSpec endpoint) {
        for (int i = 0; i < transportSocketMatches.size(); i++) {
            if (transportSocketMatches.get(i).matches(endpoint.transportSocketMatch())) {
                return i;
            }
        }
        return -1;
    }

    /** The transport of {@link #transportIndex}: a match's, or the cluster's for -1. */
    public UpstreamTransport transport(int index) {
        return index < 0 ? transport : transportSocketMatches.get(index).transport();
    }
}
