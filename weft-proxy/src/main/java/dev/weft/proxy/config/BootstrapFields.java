package dev.weft.proxy.config;

import com.google.protobuf.Message;
import dev.weft.proxy.accesslog.AccessLogs;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import dev.weft.proxy.tracing.TracingConfig;
import io.envoyproxy.envoy.config.core.v3.HttpService;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of Envoy's v3 bootstrap and xDS resources that the config package itself interprets
 * (node, admin, dynamic_resources, listeners, the http_connection_manager, TLS and SDS secrets, clusters and
 * their endpoints); docs/envoy-compat.md
 * documents each field. Route and load-balancing fields are registered by their own packages.
 */
public final class BootstrapFields {
    /** Extension name of the only network filter. */
    public static final String HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager";
    /** Extension name of the router, the last HTTP filter. */
    public static final String ROUTER = "envoy.filters.http.router";
    /** Extension name of the RBAC HTTP filter (as in Envoy, the typed_config's type decides, whatever the name). */
    public static final String RBAC = "envoy.filters.http.rbac";
    /**
     * An extension-point key that accepts any name: the typed_config's type alone picks the extension,
     * as Envoy looks HTTP filters up by it (so a control plane may name its filters, e.g. weft.authz.deny).
     */
    static final String ANY_NAME = "*";
    /** Extension name of the TLS transport socket. */
    public static final String TLS = "envoy.transport_sockets.tls";
    /** Extension name of the plaintext transport socket (the default). */
    public static final String RAW_BUFFER = "envoy.transport_sockets.raw_buffer";
    /** Extension name of the only listener filter: tells TLS connections from plaintext ones by their first bytes. */
    public static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
    /** The endpoint metadata key whose fields pick a cluster's transport_socket_matches entry. */
    public static final String TRANSPORT_SOCKET_MATCH = "envoy.transport_socket_match";
    /** The retry host predicate that keeps a retry off the endpoints earlier attempts used. */
    public static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";
    /** The only key of a cluster's typed_extension_protocol_options. */
    public static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    private static final String RBAC_CONFIG =
            io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor().getFullName();

    private BootstrapFields() {}

    /** Registers the bootstrap fields this package implements. */
    public static void registerFields(SupportedFields fields) {
        fields.allow(Bootstrap.getDescriptor(), "node", "admin", "static_resources", "dynamic_resources", "stats_config")
                .allow(io.envoyproxy.envoy.config.metrics.v3.StatsConfig.getDescriptor(), "stats_matcher")
                .allow(io.envoyproxy.envoy.config.metrics.v3.StatsMatcher.getDescriptor(), "reject_all")
                .allow(Node.getDescriptor(), "id", "cluster", "metadata")
                .allow(Admin.getDescriptor(), "address")
                .allow(Address.getDescriptor(), "socket_address")
                .allow(SocketAddress.getDescriptor(), "address", "port_value")
                .allow(Bootstrap.StaticResources.getDescriptor(), "listeners", "clusters", "secrets")
                // xDS: one ADS stream, every config source ads {}
                .allow(Bootstrap.DynamicResources.getDescriptor(), "ads_config", "lds_config", "cds_config")
                .allow(ApiConfigSource.getDescriptor(), "api_type", "transport_api_version", "grpc_services")
                .allow(GrpcService.getDescriptor(), "envoy_grpc")
                .allow(GrpcService.EnvoyGrpc.getDescriptor(), "cluster_name")
                .allow(ConfigSource.getDescriptor(), "ads", "resource_api_version")
                .allow(AggregatedConfigSource.getDescriptor())
                // listeners
                .allow(Listener.getDescriptor(), "name", "address", "filter_chains", "listener_filters", "traffic_direction")
                .allow(ListenerFilter.getDescriptor(), "name", "typed_config")
                .allow(TlsInspector.getDescriptor())
                .allow(FilterChain.getDescriptor(), "name", "filter_chain_match", "filters", "transport_socket")
                .allow(FilterChainMatch.getDescriptor(), "transport_protocol")
                .allow(Filter.getDescriptor(), "name", "typed_config")
                // TLS: certificates and validation inline or by SDS name (static_resources.secrets, local, ADS)
                .allow(TransportSocket.getDescriptor(), "name", "typed_config")
                .allow(RawBuffer.getDescriptor())
                .allow(DownstreamTlsContext.getDescriptor(), "common_tls_context", "require_client_certificate")
                .allow(UpstreamTlsContext.getDescriptor(), "common_tls_context", "sni")
                .allow(CommonTlsContext.getDescriptor(), "tls_certificates", "alpn_protocols", "validation_context",
                        "tls_params", "tls_certificate_sds_secret_configs", "validation_context_sds_secret_config",
                        "combined_validation_context")
                .allow(TlsParameters.getDescriptor(), "tls_minimum_protocol_version", "tls_maximum_protocol_version")
                .allow(TlsCertificate.getDescriptor(), "certificate_chain", "private_key")
                .allow(CertificateValidationContext.getDescriptor(), "trusted_ca", "custom_validator_config",
                        "match_typed_subject_alt_names")
                .allow(CommonTlsContext.CombinedCertificateValidationContext.getDescriptor(), "default_validation_context",
                        "validation_context_sds_secret_config")
                .allow(SubjectAltNameMatcher.getDescriptor(), "san_type", "matcher")
                .allow(SdsSecretConfig.getDescriptor(), "name", "sds_config")
                .allow(TypedExtensionConfig.getDescriptor(), "name", "typed_config")
                .allow(SPIFFECertValidatorConfig.getDescriptor(), "trust_domains")
                .allow(SPIFFECertValidatorConfig.TrustDomain.getDescriptor(), "name", "trust_bundle")
                .allow(Secret.getDescriptor(), "name", "tls_certificate", "validation_context")
                .allow(DataSource.getDescriptor(), "filename", "inline_string", "inline_bytes")
                // http_connection_manager
                .allow(HttpConnectionManager.getDescriptor(), "stat_prefix", "codec_type", "route_config",
                        "http_filters", "max_request_headers_kb", "request_timeout", "stream_idle_timeout",
                        "drain_timeout", "use_remote_address", "generate_request_id", "http2_protocol_options",
                        "upgrade_configs", "rds", "tracing")
                // tracing (dev.weft.proxy.tracing): a Zipkin or OpenTelemetry (OTLP/HTTP) provider
                .allow(HttpConnectionManager.Tracing.getDescriptor(), "random_sampling", "provider",
                        "spawn_upstream_span")
                .allow(Percent.getDescriptor(), "value")
                .allow(io.envoyproxy.envoy.config.trace.v3.Tracing.Http.getDescriptor(), "name", "typed_config")
                .allow(ZipkinConfig.getDescriptor(), "collector_cluster", "collector_endpoint",
                        "collector_endpoint_version", "collector_hostname", "trace_id_128bit", "shared_span_context")
                .allow(OpenTelemetryConfig.getDescriptor(), "http_service", "grpc_service", "service_name")
                .allow(HttpService.getDescriptor(), "http_uri")
                .allow(HttpUri.getDescriptor(), "uri", "cluster", "timeout")
                .allow(Rds.getDescriptor(), "config_source", "route_config_name")
                .allow(HttpConnectionManager.UpgradeConfig.getDescriptor(), "upgrade_type")
                .allow(HttpFilter.getDescriptor(), "name", "typed_config")
                .allow(Router.getDescriptor())
                .allow(Http2ProtocolOptions.getDescriptor(), "max_concurrent_streams",
                        "initial_stream_window_size", "initial_connection_window_size")
                .allow(Http1ProtocolOptions.getDescriptor())
                // clusters
                .allow(Cluster.getDescriptor(), "name", "type", "connect_timeout", "dns_refresh_rate", "dns_lookup_family",
                        "load_assignment", "per_connection_buffer_limit_bytes", "max_requests_per_connection",
                        "common_http_protocol_options", "http2_protocol_options",
                        "typed_extension_protocol_options", "transport_socket", "eds_cluster_config",
                        "transport_socket_matches", "metadata")
                .allow(Cluster.TransportSocketMatch.getDescriptor(), "name", "match", "transport_socket")
                .allow(Cluster.EdsClusterConfig.getDescriptor(), "eds_config", "service_name")
                .allow(ClusterLoadAssignment.getDescriptor(), "cluster_name", "endpoints")
                // locality is informational: Weft has no zone-aware balancing, and neither has Envoy without a local cluster
                .allow(LocalityLbEndpoints.getDescriptor(), "locality", "priority", "lb_endpoints")
                .allow(Locality.getDescriptor(), "region", "zone", "sub_zone")
                .allow(LbEndpoint.getDescriptor(), "endpoint", "load_balancing_weight", "health_status", "metadata")
                // endpoints: filter_metadata["envoy.transport_socket_match"] and ["weft"]; clusters: ["weft"]
                // (checked where they are read, see WeftMetadata)
                .allow(Metadata.getDescriptor(), "filter_metadata")
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
                io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDefaultInstance(),
                DownstreamTlsContext.getDefaultInstance(),
                UpstreamTlsContext.getDefaultInstance(),
                RawBuffer.getDefaultInstance(),
                TlsInspector.getDefaultInstance(),
                SPIFFECertValidatorConfig.getDefaultInstance(),
                HttpProtocolOptions.getDefaultInstance(),
                PreviousHostsPredicate.getDefaultInstance(),
                ZipkinConfig.getDefaultInstance(),
                OpenTelemetryConfig.getDefaultInstance(),
                FileAccessLog.getDefaultInstance(),
                StdoutAccessLog.getDefaultInstance());
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
                Map.of(ROUTER, Set.of(Router.getDescriptor().getFullName()),
                        RBAC, Set.of(RBAC_CONFIG),
                        ANY_NAME, Set.of(Router.getDescriptor().getFullName(), RBAC_CONFIG)),
                TransportSocket.getDescriptor().getFullName(),
                Map.of(TLS, Set.of(DownstreamTlsContext.getDescriptor().getFullName(),
                        UpstreamTlsContext.getDescriptor().getFullName()),
                        RAW_BUFFER, Set.of(RawBuffer.getDescriptor().getFullName())),
                ListenerFilter.getDescriptor().getFullName(),
                Map.of(TLS_INSPECTOR, Set.of(TlsInspector.getDescriptor().getFullName())),
                RetryPolicy.RetryHostPredicate.getDescriptor().getFullName(),
                Map.of(PREVIOUS_HOSTS, Set.of(PreviousHostsPredicate.getDescriptor().getFullName())),
                io.envoyproxy.envoy.config.trace.v3.Tracing.Http.getDescriptor().getFullName(),
                Map.of(TracingConfig.ZIPKIN, Set.of(ZipkinConfig.getDescriptor().getFullName()),
                        TracingConfig.OPENTELEMETRY, Set.of(OpenTelemetryConfig.getDescriptor().getFullName())),
                AccessLog.getDescriptor().getFullName(),
                // as Envoy, an access logger is looked up by its typed_config's type; its name is free
                Map.of(AccessLogs.FILE, Set.of(FileAccessLog.getDescriptor().getFullName()),
                        AccessLogs.STDOUT, Set.of(StdoutAccessLog.getDescriptor().getFullName()),
                        ANY_NAME, Set.of(FileAccessLog.getDescriptor().getFullName(),
                                StdoutAccessLog.getDescriptor().getFullName())));
    }
}
