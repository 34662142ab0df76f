package dev.weft.proxy.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of Envoy's v3 bootstrap that the config package itself interprets (node, admin,
 * listeners, the http_connection_manager, TLS, clusters and their endpoints), with the defaults and
 * notes that docs/envoy-compat.md shows. Route and load-balancing fields are registered by their
 * own packages.
 */
public final class BootstrapFields {
    /** Extension name of the only network filter. */
    public static final String HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager";
    /** Extension name of the only HTTP filter. */
    public static final String ROUTER = "envoy.filters.http.router";
    /** Extension name of the only transport socket. */
    public static final String TLS = "envoy.transport_sockets.tls";
    /** The only key of a cluster's typed_extension_protocol_options. */
    public static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    private static final Map<String, String> NOTES = new LinkedHashMap<>();

    static {
        note(Bootstrap.getDescriptor(), "static_resources", "listeners and clusters; dynamic_resources (xDS) is configured by `weft proxy --control-plane` instead");
        note(Node.getDescriptor(), "id", "shown by the admin endpoints");
        note(Admin.getDescriptor(), "address", "socket_address only; no admin listener when admin is absent");
        note(SocketAddress.getDescriptor(), "address", "an IP literal, except for endpoints of STRICT_DNS and LOGICAL_DNS clusters");
        note(SocketAddress.getDescriptor(), "port_value", "1-65535");
        note(Listener.getDescriptor(), "name", "required, unique");
        note(Listener.getDescriptor(), "filter_chains", "exactly one; filter_chain_match is not supported");
        note(FilterChain.getDescriptor(), "filters", "exactly one: `" + HTTP_CONNECTION_MANAGER + "`");
        note(FilterChain.getDescriptor(), "transport_socket", "`" + TLS + "` with a DownstreamTlsContext; plaintext when absent");
        note(Filter.getDescriptor(), "typed_config", "HttpConnectionManager");
        note(TransportSocket.getDescriptor(), "name", "`" + TLS + "`");
        note(TransportSocket.getDescriptor(), "typed_config", "DownstreamTlsContext on a listener, UpstreamTlsContext on a cluster");
        note(DownstreamTlsContext.getDescriptor(), "require_client_certificate", "default false; needs validation_context.trusted_ca");
        note(CommonTlsContext.getDescriptor(), "tls_certificates", "at most one (exactly one on a listener)");
        note(CommonTlsContext.getDescriptor(), "alpn_protocols", "listener default per codec_type: h2,http/1.1 (AUTO), http/1.1 (HTTP1), h2 (HTTP2); cluster default per protocol: h2,http/1.1 (auto_config), h2 (HTTP/2), http/1.1 (HTTP/1.1)");
        note(CommonTlsContext.getDescriptor(), "validation_context", "trusted_ca only; without it a cluster does not verify the server certificate (as Envoy)");
        note(TlsCertificate.getDescriptor(), "certificate_chain", "PEM");
        note(TlsCertificate.getDescriptor(), "private_key", "PEM: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), unencrypted");
        note(CertificateValidationContext.getDescriptor(), "trusted_ca", "PEM bundle");
        note(DataSource.getDescriptor(), "filename", "read once at load");
        note(UpstreamTlsContext.getDescriptor(), "sni", "default none");
        note(HttpConnectionManager.getDescriptor(), "stat_prefix", "required");
        note(HttpConnectionManager.getDescriptor(), "codec_type", "AUTO (default), HTTP1, HTTP2");
        note(HttpConnectionManager.getDescriptor(), "route_config", "inline only (rds is not supported)");
        note(HttpConnectionManager.getDescriptor(), "http_filters", "exactly one: `" + ROUTER + "` with an empty Router typed_config");
        note(HttpConnectionManager.getDescriptor(), "max_request_headers_kb", "default 60");
        note(HttpConnectionManager.getDescriptor(), "request_timeout", "default none");
        note(HttpConnectionManager.getDescriptor(), "stream_idle_timeout", "default 5 min; 0 disables");
        note(HttpConnectionManager.getDescriptor(), "drain_timeout", "default 5 s");
        note(HttpConnectionManager.getDescriptor(), "use_remote_address", "default false");
        note(HttpConnectionManager.getDescriptor(), "generate_request_id", "default true");
        note(HttpConnectionManager.getDescriptor(), "upgrade_configs", "upgrade_type `websocket` only");
        note(HttpFilter.getDescriptor(), "typed_config", "envoy.extensions.filters.http.router.v3.Router, no fields set");
        note(Http2ProtocolOptions.getDescriptor(), "max_concurrent_streams", "listener only; default 2147483647");
        note(Http2ProtocolOptions.getDescriptor(), "initial_stream_window_size", "listener only; default 268435456");
        note(Http2ProtocolOptions.getDescriptor(), "initial_connection_window_size", "listener only; default 268435456");
        note(Cluster.getDescriptor(), "name", "required, unique");
        note(Cluster.getDescriptor(), "type", "STATIC (default), STRICT_DNS, LOGICAL_DNS");
        note(Cluster.getDescriptor(), "connect_timeout", "default 5 s");
        note(Cluster.getDescriptor(), "dns_refresh_rate", "default 5 s");
        note(Cluster.getDescriptor(), "load_assignment", "LOGICAL_DNS: exactly one endpoint");
        note(Cluster.getDescriptor(), "per_connection_buffer_limit_bytes", "default 1048576; bounds the request body a retry may replay");
        note(Cluster.getDescriptor(), "max_requests_per_connection", "deprecated in Envoy, still accepted; default no limit");
        note(Cluster.getDescriptor(), "common_http_protocol_options", "deprecated in Envoy, still accepted");
        note(Cluster.getDescriptor(), "http2_protocol_options", "deprecated in Envoy, still accepted: the cluster speaks HTTP/2; must be empty");
        note(Cluster.getDescriptor(), "typed_extension_protocol_options", "key `" + HTTP_PROTOCOL_OPTIONS + "` only; not together with the deprecated protocol fields");
        note(Cluster.getDescriptor(), "transport_socket", "`" + TLS + "` with an UpstreamTlsContext; plaintext when absent");
        note(LocalityLbEndpoints.getDescriptor(), "priority", "default 0 (highest)");
        note(LbEndpoint.getDescriptor(), "load_balancing_weight", "default 1");
        note(LbEndpoint.getDescriptor(), "health_status", "UNHEALTHY, DRAINING, TIMEOUT and DEGRADED mark the endpoint unhealthy");
        note(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.getDescriptor(), "idle_timeout", "default 1 h; 0 disables");
        note(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.getDescriptor(), "max_requests_per_connection", "default no limit");
        note(HttpProtocolOptions.getDescriptor(), "explicit_http_config", "http_protocol_options (HTTP/1.1) or http2_protocol_options (HTTP/2), each empty");
        note(HttpProtocolOptions.getDescriptor(), "auto_config", "empty; ALPN picks HTTP/2 or HTTP/1.1, needs a TLS transport_socket");
    }

    private BootstrapFields() {}

    private static void note(Descriptor type, String field, String text) {
        if (type.findFieldByName(field) == null) {
            throw new IllegalArgumentException(type.getFullName() + " has no field " + field);
        }
        NOTES.put(type.getFullName() + "." + field, text);
    }

    /** Registers the bootstrap fields this package implements. */
    public static void registerFields(SupportedFields fields) {
        fields.allow(Bootstrap.getDescriptor(), "node", "admin", "static_resources")
                .allow(Node.getDescriptor(), "id", "cluster")
                .allow(Admin.getDescriptor(), "address")
                .allow(Address.getDescriptor(), "socket_address")
                .allow(SocketAddress.getDescriptor(), "address", "port_value")
                .allow(Bootstrap.StaticResources.getDescriptor(), "listeners", "clusters")
                // listeners
                .allow(Listener.getDescriptor(), "name", "address", "filter_chains")
                .allow(FilterChain.getDescriptor(), "filters", "transport_socket")
                .allow(Filter.getDescriptor(), "name", "typed_config")
                .allow(TransportSocket.getDescriptor(), "name", "typed_config")
                .allow(DownstreamTlsContext.getDescriptor(), "common_tls_context", "require_client_certificate")
                .allow(UpstreamTlsContext.getDescriptor(), "common_tls_context", "sni")
                .allow(CommonTlsContext.getDescriptor(), "tls_certificates", "alpn_protocols", "validation_context")
                .allow(TlsCertificate.getDescriptor(), "certificate_chain", "private_key")
                .allow(CertificateValidationContext.getDescriptor(), "trusted_ca")
                .allow(DataSource.getDescriptor(), "filename", "inline_string")
                // http_connection_manager
                .allow(HttpConnectionManager.getDescriptor(), "stat_prefix", "codec_type", "route_config",
                        "http_filters", "max_request_headers_kb", "request_timeout", "stream_idle_timeout",
                        "drain_timeout", "use_remote_address", "generate_request_id", "http2_protocol_options",
                        "upgrade_configs")
                .allow(HttpConnectionManager.UpgradeConfig.getDescriptor(), "upgrade_type")
                .allow(HttpFilter.getDescriptor(), "name", "typed_config")
                .allow(Router.getDescriptor())
                .allow(Http2ProtocolOptions.getDescriptor(), "max_concurrent_streams",
                        "initial_stream_window_size", "initial_connection_window_size")
                .allow(Http1ProtocolOptions.getDescriptor())
                // clusters
                .allow(Cluster.getDescriptor(), "name", "type", "connect_timeout", "dns_refresh_rate",
                        "load_assignment", "per_connection_buffer_limit_bytes", "max_requests_per_connection",
                        "common_http_protocol_options", "http2_protocol_options",
                        "typed_extension_protocol_options", "transport_socket")
                .allow(ClusterLoadAssignment.getDescriptor(), "cluster_name", "endpoints")
                .allow(LocalityLbEndpoints.getDescriptor(), "priority", "lb_endpoints")
                .allow(LbEndpoint.getDescriptor(), "endpoint", "load_balancing_weight", "health_status")
                .allow(Endpoint.getDescriptor(), "address")
                .allow(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.getDescriptor(),
                        "idle_timeout", "max_requests_per_connection")
                .allow(HttpProtocolOptions.getDescriptor(), "explicit_http_config", "auto_config",
                        "common_http_protocol_options")
                .allow(HttpProtocolOptions.ExplicitHttpConfig.getDescriptor(), "http_protocol_options",
                        "http2_protocol_options")
                .allow(HttpProtocolOptions.AutoHttpConfig.getDescriptor());
    }

    /** The message types that may appear packed in a google.protobuf.Any (typed_config and the like). */
    static List<Message> anyTypes() {
        return List.of(
                HttpConnectionManager.getDefaultInstance(),
                Router.getDefaultInstance(),
                DownstreamTlsContext.getDefaultInstance(),
                UpstreamTlsContext.getDefaultInstance(),
                HttpProtocolOptions.getDefaultInstance());
    }

    /**
     * Extension points: per message type holding a {@code name} and a {@code typed_config}, the
     * extension names Weft implements and the full names of the config types each accepts.
     */
    static Map<String, Map<String, Set<String>>> extensionPoints() {
        return Map.of(
                Filter.getDescriptor().getFullName(),
                Map.of(HTTP_CONNECTION_MANAGER, Set.of(HttpConnectionManager.getDescriptor().getFullName())),
                HttpFilter.getDescriptor().getFullName(),
                Map.of(ROUTER, Set.of(Router.getDescriptor().getFullName())),
                TransportSocket.getDescriptor().getFullName(),
                Map.of(TLS, Set.of(DownstreamTlsContext.getDescriptor().getFullName(),
                        UpstreamTlsContext.getDescriptor().getFullName())));
    }

    /** The documentation note of a field given as "type.field", or null when it has none. */
    static String note(String qualifiedField) {
        return NOTES.get(qualifiedField);
    }
}
