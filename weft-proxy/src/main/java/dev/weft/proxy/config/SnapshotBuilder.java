package dev.weft.proxy.config;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.weft.proxy.accesslog.AccessLogs;
import dev.weft.proxy.config.ClusterSpec.DiscoveryType;
import dev.weft.proxy.config.ClusterSpec.UpstreamProtocol;
import dev.weft.proxy.config.HttpSettings.CodecType;
import dev.weft.proxy.rbac.Authorization;
import dev.weft.proxy.route.RouteTable;
import dev.weft.proxy.tls.SecretStore;
import dev.weft.proxy.tls.Secrets;
import dev.weft.proxy.tls.TlsContextFactory;
import dev.weft.proxy.tls.TlsSecret;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import dev.weft.proxy.tracing.TracingConfig;
import dev.weft.proxy.observe.Direction;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.netty.handler.ssl.SslContext;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a Bootstrap already checked against the supported subset (and, for a dynamic proxy, the xDS
 * resources it accepted) into a {@link ProxySnapshot}:
 * applies Envoy's defaults, checks what the descriptors cannot (unique names, ports, endpoint
 * addresses, the extensions in use, route-to-cluster references) and builds the TLS contexts.
 * Errors name the field path.
 */
final class SnapshotBuilder {
    /** Compiles a route_config; a {@link ConfigException}'s path is relative to it. */
    @FunctionalInterface
    interface RouteCompiler {
        RouteTable compile(RouteConfiguration config) throws ConfigException;
    }

    /** Checks a cluster's load-balancing and circuit-breaker settings; a {@link ConfigException}'s path is relative to it. */
    @FunctionalInterface
    interface ClusterValidator {
        void validate(Cluster cluster) throws ConfigException;
    }

    static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
    static final long DEFAULT_DNS_REFRESH_MS = 5_000;
    static final long DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;
    static final int DEFAULT_BUFFER_LIMIT_BYTES = 1 << 20;
    static final int DEFAULT_MAX_REQUEST_HEADERS_KB = 60;
    static final long DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
    static final long DEFAULT_DRAIN_TIMEOUT_MS = 5_000;
    /*
     * Envoy offers 2^31-1 concurrent streams. Every open downstream stream holds an exchange (about
     * 6 KB of heap), and a client that sends faster than the proxy answers would fill the heap with
     * them: a one-core Weft with 96 MB of heap ran out of it under 5,000 gRPC calls/s over 4
     * connections. 100 (HAProxy's default, Envoy's edge recommendation) bounds a connection to
     * about 600 KB; clients queue further calls or open another connection.
     */
    static final int DEFAULT_H2_MAX_CONCURRENT_STREAMS = 100;
    /*
     * Weft's HTTP/2 receive windows are smaller than Envoy's 256 MiB: a stream whose upstream is
     * slow stops being read, and the window is what its peer may still send into the proxy's
     * memory. 1 MiB per stream and 16 MiB per connection keep that bounded and still fill loopback
     * and LAN links.
     */
    static final int DEFAULT_H2_STREAM_WINDOW = 1 << 20;
    static final int DEFAULT_H2_CONNECTION_WINDOW = 16 << 20;
    private static final String H2 = "h2";
    private static final String HTTP11 = "http/1.1";

    private final SubsetChecker subset;
    private final RouteCompiler routes;
    private final ClusterValidator clusterValidator;

    SnapshotBuilder(SubsetChecker subset, RouteCompiler routes, ClusterValidator clusterValidator) {
        this.subset = subset;
        this.routes = routes;
        this.clusterValidator = clusterValidator;
    }

    ProxySnapshot build(Bootstrap bootstrap, String version) throws ConfigException {
        Bootstrap.StaticResources resources = bootstrap.getStaticResources();
        SecretStore store = new SecretStore();
        store.putBootstrap(staticSecrets(resources));
        TlsContexts.SecretRefs refs = new TlsContexts.SecretRefs(store, Map.of(), TlsContextFactory.defaultProvider());
        Map<String, ClusterSpec> clusters = new LinkedHashMap<>();
        Map<String, Integer> clusterIndex = new HashMap<>();
        for (int i = 0; i < resources.getClustersCount(); i++) {
            String path = "static_resources.clusters[" + i + "]";
            Cluster c = resources.getClusters(i);
            requireName(c.getName(), path);
            Integer earlier = clusterIndex.putIfAbsent(c.getName(), i);
            if (earlier != null) {
                throw new ConfigException(path + ".name", "duplicate cluster name \"" + c.getName()
                        + "\" (also static_resources.clusters[" + earlier + "])");
            }
            clusters.put(c.getName(), cluster(c, path, null, refs));
        }
        List<ListenerSpec> listeners = new ArrayList<>();
        Map<String, Integer> listenerIndex = new HashMap<>();
        for (int i = 0; i < resources.getListenersCount(); i++) {
            String path = "static_resources.listeners[" + i + "]";
            Listener l = resources.getListeners(i);
            requireName(l.getName(), path);
            Integer earlier = listenerIndex.putIfAbsent(l.getName(), i);
            if (earlier != null) {
                throw new ConfigException(path + ".name", "duplicate listener name \"" + l.getName()
                        + "\" (also static_resources.listeners[" + earlier + "])");
            }
            listeners.add(listener(l, path, new Routes(clusters.keySet(), null, clusters), refs));
        }
        InetSocketAddress admin = null;
        if (bootstrap.hasAdmin()) {
            if (!bootstrap.getAdmin().hasAddress()) {
                throw new ConfigException("admin.address", "is required");
            }
            admin = ipAddress(bootstrap.getAdmin().getAddress(), "admin.address");
        }
        XdsSource xds = bootstrap.hasDynamicResources() ? xdsSource(bootstrap, clusters) : null;
        if (listeners.isEmpty() && admin == null && xds == null) {
            throw new ConfigException("static_resources.listeners", "at least one listener (or an admin address) is required");
        }
        return new ProxySnapshot(version, listeners, clusters, admin, bootstrap, xds, XdsResources.EMPTY, store,
                refs.referenced);
    }

    /** static_resources.secrets, compiled; names must be unique. */
    private Map<String, TlsSecret> staticSecrets(Bootstrap.StaticResources resources) throws ConfigException {
        Map<String, TlsSecret> out = new LinkedHashMap<>();
        for (int i = 0; i < resources.getSecretsCount(); i++) {
            String path = "static_resources.secrets[" + i + "]";
            Secret secret = resources.getSecrets(i);
            requireName(secret.getName(), path);
            if (out.containsKey(secret.getName())) {
                throw new ConfigException(path + ".name", "duplicate secret name \"" + secret.getName() + "\"");
            }
            out.put(secret.getName(), Secrets.compile(secret, path));
        }
        return out;
    }

    /**
     * The snapshot of a dynamic proxy: {@code base} (built from its bootstrap) plus the xDS
     * resources. Paths start at the resource, e.g. {@code Listener[outbound].filter_chains[0]}.
     * RDS and EDS resources that are named but absent are reported as missing, not as errors: the
     * candidate is then valid but still warming.
     */
    XdsSnapshots.Candidate build(ProxySnapshot base, XdsResources resources, String version) throws ConfigException {
        Set<String> missingRoutes = new LinkedHashSet<>();
        Set<String> missingEndpoints = new LinkedHashSet<>();
        TlsContexts.SecretRefs refs = new TlsContexts.SecretRefs(base.secrets(), resources.secrets(),
                TlsContextFactory.defaultProvider());
        refs.referenced.addAll(base.requiredSecrets());
        Map<String, ClusterSpec> clusters = new LinkedHashMap<>(base.clusters());
        for (Map.Entry<String, Cluster> e : resources.clusters().entrySet()) {
            Cluster c = e.getValue();
            String path = "Cluster[" + e.getKey() + "]";
            subset.check(c, path);
            requireName(c.getName(), path);
            if (base.clusters().containsKey(c.getName())) {
                throw new ConfigException(path + ".name", "a static cluster \"" + c.getName()
                        + "\" exists; CDS cannot replace it");
            }
            clusters.put(c.getName(), cluster(c, path, new Eds(resources.endpoints(), missingEndpoints), refs));
        }
        List<ListenerSpec> listeners = new ArrayList<>(base.listeners());
        Set<String> listenerNames = new HashSet<>();
        base.listeners().forEach(l -> listenerNames.add(l.name()));
        Routes routes = new Routes(null, new Rds(resources.routes(), missingRoutes), clusters);
        for (Map.Entry<String, Listener> e : resources.listeners().entrySet()) {
            Listener l = e.getValue();
            String path = "Listener[" + e.getKey() + "]";
            if (l.hasApiListener()) {
                throw new ConfigException(path + ".api_listener", "is for proxyless gRPC clients; a Weft proxy "
                        + "serves listeners with an address and filter_chains");
            }
            subset.check(l, path);
            requireName(l.getName(), path);
            if (!listenerNames.add(l.getName())) {
                throw new ConfigException(path + ".name", "a static listener \"" + l.getName()
                        + "\" exists; LDS cannot replace it");
            }
            listeners.add(listener(l, path, routes, refs));
        }
        for (String name : base.requiredSecrets()) {
            if (!base.secrets().has(name) && !resources.secrets().containsKey(name)) {
                refs.missing.add(name);
            }
        }
        ProxySnapshot snapshot = new ProxySnapshot(version, listeners, clusters, base.adminAddress(), base.source(),
                base.xds(), resources, base.secrets(), refs.referenced);
        return new XdsSnapshots.Candidate(snapshot, missingRoutes, missingEndpoints, refs.missing);
    }

    // ---- dynamic_resources

    private static XdsSource xdsSource(Bootstrap bootstrap, Map<String, ClusterSpec> clusters) throws ConfigException {
        Bootstrap.DynamicResources d = bootstrap.getDynamicResources();
        String path = "dynamic_resources";
        if (!d.hasAdsConfig()) {
            throw new ConfigException(path + ".ads_config", "is required (Weft fetches its configuration over ADS)");
        }
        ApiConfigSource ads = d.getAdsConfig();
        String adsPath = path + ".ads_config";
        if (ads.getApiType() != ApiConfigSource.ApiType.GRPC) {
            throw new ConfigException(adsPath + ".api_type", ads.getApiType() + " is not supported by Weft (supported: GRPC)");
        }
        if (ads.getTransportApiVersion() != ApiVersion.V3) {
            throw new ConfigException(adsPath + ".transport_api_version", "must be V3, got " + ads.getTransportApiVersion());
        }
        if (ads.getGrpcServicesCount() != 1) {
            throw new ConfigException(adsPath + ".grpc_services", "exactly one gRPC service is supported, got "
                    + ads.getGrpcServicesCount());
        }
        String servicePath = adsPath + ".grpc_services[0].envoy_grpc";
        if (!ads.getGrpcServices(0).hasEnvoyGrpc()) {
            throw new ConfigException(servicePath, "is required (the control plane is reached through a static cluster)");
        }
        String name = ads.getGrpcServices(0).getEnvoyGrpc().getClusterName();
        String namePath = servicePath + ".cluster_name";
        if (name.isEmpty()) {
            throw new ConfigException(namePath, "is required");
        }
        ClusterSpec cluster = clusters.get(name);
        if (cluster == null) {
            throw new ConfigException(namePath, "unknown cluster \"" + name + "\" (it must be a static cluster)");
        }
        if (cluster.protocol() != UpstreamProtocol.HTTP2) {
            throw new ConfigException(namePath, "cluster \"" + name + "\" must speak HTTP/2 for gRPC (set http2_protocol_options)");
        }
        if (cluster.tls() != null) {
            throw new ConfigException(namePath, "cluster \"" + name + "\" has TLS, which Weft does not use to reach "
                    + "the control plane yet (plaintext only)");
        }
        if (cluster.endpoints().isEmpty()) {
            throw new ConfigException(namePath, "cluster \"" + name + "\" has no endpoint");
        }
        requireAds(d.hasLdsConfig(), d.getLdsConfig(), path + ".lds_config");
        requireAds(d.hasCdsConfig(), d.getCdsConfig(), path + ".cds_config");
        if (bootstrap.getNode().getId().isEmpty()) {
            throw new ConfigException("node.id", "is required with dynamic_resources (the control plane tells proxies apart by it)");
        }
        EndpointSpec endpoint = cluster.endpoints().get(0);
        return new XdsSource(name, endpoint.host(), endpoint.port(), bootstrap.getNode());
    }

    /** A config_source must be {@code ads: {}}: everything comes over the one ADS stream. */
    static void requireAds(boolean present, ConfigSource source, String path) throws ConfigException {
        if (!present) {
            throw new ConfigException(path, "is required (ads: {})");
        }
        if (source.getConfigSourceSpecifierCase() != ConfigSource.ConfigSourceSpecifierCase.ADS) {
            throw new ConfigException(path, "only ads: {} is supported by Weft (everything comes over the ADS stream)");
        }
        if (source.getResourceApiVersion() != ApiVersion.AUTO && source.getResourceApiVersion() != ApiVersion.V3) {
            throw new ConfigException(path + ".resource_api_version", "must be V3, got " + source.getResourceApiVersion());
        }
    }

    /** Where a build finds route configurations named by {@code rds}, and what it found missing. */
    private record Rds(Map<String, RouteConfiguration> configs, Set<String> missing) {}

    /** Where a build finds the ClusterLoadAssignments of EDS clusters, and what it found missing. */
    private record Eds(Map<String, ClusterLoadAssignment> assignments, Set<String> missing) {}

    /**
     * How a build resolves a listener's routes. {@code clusters} null: references are not checked,
     * since over xDS a route may name a cluster CDS has not delivered yet (or has just removed); such
     * a request gets 503 cluster_not_found, as in Envoy. {@code rds} null: a static bootstrap.
     */
    private static final class Routes {
        final Set<String> clusters;
        final Rds rds;
        /** Every cluster of the configuration (static and CDS), which a tracing collector_cluster must name. */
        final Map<String, ClusterSpec> known;
        final Map<String, RouteTable> compiled = new HashMap<>();

        Routes(Set<String> clusters, Rds rds, Map<String, ClusterSpec> known) {
            this.clusters = clusters;
            this.rds = rds;
            this.known = known;
        }
    }

    // ---- listeners

    private ListenerSpec listener(Listener l, String path, Routes routes, TlsContexts.SecretRefs refs)
            throws ConfigException {
        if (!l.hasAddress()) {
            throw new ConfigException(path + ".address", "is required");
        }
        InetSocketAddress address = ipAddress(l.getAddress(), path + ".address");
        boolean inspector = false;
        for (int i = 0; i < l.getListenerFiltersCount(); i++) {
            ListenerFilter f = l.getListenerFilters(i);
            String fPath = path + ".listener_filters[" + i + "]";
            requireExtension(f.getName(), BootstrapFields.TLS_INSPECTOR, fPath);
            if (inspector) {
                throw new ConfigException(fPath, "only one " + BootstrapFields.TLS_INSPECTOR + " is allowed");
            }
            unpack(f.hasTypedConfig(), f.getTypedConfig(), TlsInspector.getDefaultInstance(), fPath + ".typed_config");
            inspector = true;
        }
        if (l.getFilterChainsCount() == 0) {
            throw new ConfigException(path + ".filter_chains", "at least one filter chain is required");
        }
        List<FilterChainSpec> chains = new ArrayList<>();
        Map<FilterChainSpec.TransportProtocol, Integer> byMatch = new HashMap<>();
        for (int i = 0; i < l.getFilterChainsCount(); i++) {
            String chainPath = path + ".filter_chains[" + i + "]";
            FilterChainSpec chain = filterChain(l.getFilterChains(i), i, chainPath, routes, refs);
            if (chain.transportProtocol() != FilterChainSpec.TransportProtocol.ANY && !inspector) {
                throw new ConfigException(chainPath + ".filter_chain_match.transport_protocol", "\""
                        + chain.transportProtocol().envoyName() + "\" needs the " + BootstrapFields.TLS_INSPECTOR
                        + " listener filter, which tells TLS connections from plaintext ones");
            }
            Integer earlier = byMatch.putIfAbsent(chain.transportProtocol(), i);
            if (earlier != null) {
                throw new ConfigException(chainPath + ".filter_chain_match", "matches the same connections as "
                        + path + ".filter_chains[" + earlier + "] (one chain per transport_protocol: tls, raw_buffer, any)");
            }
            chains.add(chain);
        }
        Direction direction = switch (l.getTrafficDirection()) {
            case INBOUND -> Direction.INBOUND;
            case OUTBOUND -> Direction.OUTBOUND;
            case UNSPECIFIED -> Direction.UNSPECIFIED;
            default -> throw new ConfigException(path + ".traffic_direction", "unknown value "
                    + l.getTrafficDirectionValue() + " (expected: UNSPECIFIED, INBOUND, OUTBOUND)");
        };
        return new ListenerSpec(l.getName(), address, chains, inspector, direction);
    }

    private FilterChainSpec filterChain(FilterChain chain, int index, String chainPath, Routes routes,
            TlsContexts.SecretRefs refs) throws ConfigException {
        FilterChainSpec.TransportProtocol match = FilterChainSpec.TransportProtocol.ANY;
        if (chain.hasFilterChainMatch()) {
            String tp = chain.getFilterChainMatch().getTransportProtocol();
            match = switch (tp) {
                case "" -> FilterChainSpec.TransportProtocol.ANY;
                case "tls" -> FilterChainSpec.TransportProtocol.TLS;
                case "raw_buffer" -> FilterChainSpec.TransportProtocol.RAW_BUFFER;
                default -> throw new ConfigException(chainPath + ".filter_chain_match.transport_protocol", "\"" + tp
                        + "\" is not supported by Weft (supported: tls, raw_buffer)");
            };
        }
        if (chain.getFiltersCount() != 1) {
            throw new ConfigException(chainPath + ".filters", "exactly one filter ("
                    + BootstrapFields.HTTP_CONNECTION_MANAGER + ") is supported, got " + chain.getFiltersCount());
        }
        Filter filter = chain.getFilters(0);
        String filterPath = chainPath + ".filters[0]";
        requireExtension(filter.getName(), BootstrapFields.HTTP_CONNECTION_MANAGER, filterPath);
        HttpConnectionManager hcm = unpack(filter.hasTypedConfig(), filter.getTypedConfig(),
                HttpConnectionManager.getDefaultInstance(), filterPath + ".typed_config");
        HttpSettings http = http(hcm, filterPath + ".typed_config", routes);
        SslContext tls = null;
        String tsPath = chainPath + ".transport_socket";
        if (chain.hasTransportSocket() && !chain.getTransportSocket().getName().equals(BootstrapFields.RAW_BUFFER)) {
            TransportSocket ts = chain.getTransportSocket();
            requireExtension(ts.getName(), BootstrapFields.TLS, tsPath, BootstrapFields.RAW_BUFFER);
            DownstreamTlsContext ctx = unpack(ts.hasTypedConfig(), ts.getTypedConfig(),
                    DownstreamTlsContext.getDefaultInstance(), tsPath + ".typed_config");
            List<String> alpn = switch (http.codec()) {
                case AUTO -> List.of(H2, HTTP11);
                case HTTP1 -> List.of(HTTP11);
                case HTTP2 -> List.of(H2);
            };
            tls = TlsContexts.server(ctx, alpn, tsPath + ".typed_config", refs);
        } else if (chain.hasTransportSocket()) {
            rawBuffer(chain.getTransportSocket(), tsPath);
        }
        if (match == FilterChainSpec.TransportProtocol.TLS && tls == null) {
            throw new ConfigException(tsPath, "a chain matching transport_protocol \"tls\" needs a "
                    + BootstrapFields.TLS + " transport_socket (Weft terminates TLS)");
        }
        if (match == FilterChainSpec.TransportProtocol.RAW_BUFFER && tls != null) {
            throw new ConfigException(tsPath, "a chain matching transport_protocol \"raw_buffer\" serves plaintext; "
                    + "it cannot have a " + BootstrapFields.TLS + " transport_socket");
        }
        String name = chain.getName().isEmpty() ? "#" + index : chain.getName();
        return new FilterChainSpec(name, match, http, tls);
    }

    /** A raw_buffer transport socket: plaintext, its typed_config (if any) an empty RawBuffer. */
    private void rawBuffer(TransportSocket ts, String path) throws ConfigException {
        if (ts.hasTypedConfig()) {
            unpack(true, ts.getTypedConfig(), RawBuffer.getDefaultInstance(), path + ".typed_config");
        }
    }

    private HttpSettings http(HttpConnectionManager h, String path, Routes routing) throws ConfigException {
        if (h.getStatPrefix().isEmpty()) {
            throw new ConfigException(path + ".stat_prefix", "is required");
        }
        CodecType codec = switch (h.getCodecType()) {
            case AUTO -> CodecType.AUTO;
            case HTTP1 -> CodecType.HTTP1;
            case HTTP2 -> CodecType.HTTP2;
            default -> throw new ConfigException(path + ".codec_type",
                    h.getCodecType() + " is not supported by Weft (supported: AUTO, HTTP1, HTTP2)");
        };
        RouteTable table = routeTable(h, path, routing);
        Authorization authorization = httpFilters(h, path);

        int headersKb = h.hasMaxRequestHeadersKb() ? h.getMaxRequestHeadersKb().getValue() : DEFAULT_MAX_REQUEST_HEADERS_KB;
        if (headersKb < 1 || headersKb > 8192) {
            throw new ConfigException(path + ".max_request_headers_kb", "must be 1-8192, got " + Integer.toUnsignedString(headersKb));
        }
        Http2ProtocolOptions h2 = h.getHttp2ProtocolOptions();
        String h2Path = path + ".http2_protocol_options";
        int maxStreams = uint32(h2.hasMaxConcurrentStreams(), h2.getMaxConcurrentStreams(),
                DEFAULT_H2_MAX_CONCURRENT_STREAMS, 1, h2Path + ".max_concurrent_streams");
        int streamWindow = uint32(h2.hasInitialStreamWindowSize(), h2.getInitialStreamWindowSize(),
                DEFAULT_H2_STREAM_WINDOW, 65_535, h2Path + ".initial_stream_window_size");
        int connectionWindow = uint32(h2.hasInitialConnectionWindowSize(), h2.getInitialConnectionWindowSize(),
                DEFAULT_H2_CONNECTION_WINDOW, 65_535, h2Path + ".initial_connection_window_size");

        Set<String> upgrades = new LinkedHashSet<>();
        for (int i = 0; i < h.getUpgradeConfigsCount(); i++) {
            String type = h.getUpgradeConfigs(i).getUpgradeType().toLowerCase(Locale.ROOT);
            if (!type.equals("websocket")) {
                throw new ConfigException(path + ".upgrade_configs[" + i + "].upgrade_type", "\""
                        + h.getUpgradeConfigs(i).getUpgradeType() + "\" is not supported by Weft (supported: websocket)");
            }
            upgrades.add(type);
        }
        return new HttpSettings(
                h.getStatPrefix(),
                table,
                codec,
                headersKb * 1024,
                h.hasRequestTimeout() ? millis(h.getRequestTimeout(), path + ".request_timeout") : 0,
                h.hasStreamIdleTimeout() ? millis(h.getStreamIdleTimeout(), path + ".stream_idle_timeout")
                        : DEFAULT_STREAM_IDLE_TIMEOUT_MS,
                h.hasDrainTimeout() ? millis(h.getDrainTimeout(), path + ".drain_timeout") : DEFAULT_DRAIN_TIMEOUT_MS,
                // Weft's default is true (Envoy's is false): a sidecar is where the peer address is known
                !h.hasUseRemoteAddress() || h.getUseRemoteAddress().getValue(),
                !h.hasGenerateRequestId() || h.getGenerateRequestId().getValue(),
                maxStreams,
                streamWindow,
                connectionWindow,
                upgrades,
                authorization,
                tracing(h, path, routing),
                AccessLogs.compile(h, path, (any, prototype, at) -> unpack(true, any, prototype, at)));
    }

    /** The connection manager's {@code tracing}: a Zipkin or OpenTelemetry provider; null when absent. */
    private TracingConfig tracing(HttpConnectionManager h, String path, Routes routing) throws ConfigException {
        if (!h.hasTracing()) {
            return null;
        }
        HttpConnectionManager.Tracing t = h.getTracing();
        String tPath = path + ".tracing";
        if (!t.hasProvider()) {
            throw new ConfigException(tPath + ".provider", "is required (Weft exports spans to a "
                    + TracingConfig.ZIPKIN + " or " + TracingConfig.OPENTELEMETRY + " provider)");
        }
        io.envoyproxy.envoy.config.trace.v3.Tracing.Http p = t.getProvider();
        String pPath = tPath + ".provider";
        Message config = switch (p.getName()) {
            case TracingConfig.ZIPKIN -> unpack(p.hasTypedConfig(), p.getTypedConfig(),
                    ZipkinConfig.getDefaultInstance(), pPath + ".typed_config");
            case TracingConfig.OPENTELEMETRY -> unpack(p.hasTypedConfig(), p.getTypedConfig(),
                    OpenTelemetryConfig.getDefaultInstance(), pPath + ".typed_config");
            default -> throw new ConfigException(pPath + ".name", (p.getName().isEmpty() ? "is required"
                    : p.getName() + " is not supported by Weft") + " (supported: " + TracingConfig.ZIPKIN + ", "
                    + TracingConfig.OPENTELEMETRY + ")");
        };
        return TracingConfig.of(t, config, tPath, routing.known);
    }

    private RouteTable routeTable(HttpConnectionManager h, String path, Routes routing) throws ConfigException {
        if (h.hasRouteConfig()) {
            String routePath = path + ".route_config";
            RouteTable table;
            try {
                table = routes.compile(h.getRouteConfig());
            } catch (ConfigException e) {
                throw e.under(routePath);
            }
            if (routing.clusters != null) {
                checkClusterReferences(h.getRouteConfig(), routing.clusters, routePath);
            }
            return table;
        }
        if (!h.hasRds()) {
            throw new ConfigException(path, "one of route_config, rds is required");
        }
        String rdsPath = path + ".rds";
        if (routing.rds == null) {
            throw new ConfigException(rdsPath, "needs dynamic_resources (ADS); a static bootstrap uses an inline route_config");
        }
        requireAds(h.getRds().hasConfigSource(), h.getRds().getConfigSource(), rdsPath + ".config_source");
        String name = h.getRds().getRouteConfigName();
        if (name.isEmpty()) {
            throw new ConfigException(rdsPath + ".route_config_name", "is required");
        }
        RouteTable table = routing.compiled.get(name);
        if (table != null) {
            return table;
        }
        RouteConfiguration config = routing.rds.configs().get(name);
        if (config == null) {
            // still warming: the table is never served, the candidate only validates
            routing.rds.missing().add(name);
            config = RouteConfiguration.getDefaultInstance();
        }
        String configPath = "RouteConfiguration[" + name + "]";
        subset.check(config, configPath);
        try {
            table = routes.compile(config);
        } catch (ConfigException e) {
            throw e.under(configPath);
        }
        routing.compiled.put(name, table);
        return table;
    }

    /**
     * The HTTP filters: RBAC filters (compiled into the listener's {@link Authorization}, run in this
     * order) and, last, the router, which is built in and configured empty. As Envoy, a filter is
     * identified by its typed_config's type; its name is free.
     */
    private Authorization httpFilters(HttpConnectionManager h, String path) throws ConfigException {
        if (h.getHttpFiltersCount() == 0) {
            throw new ConfigException(path + ".http_filters", "must hold " + BootstrapFields.ROUTER);
        }
        Authorization.Builder authorization = Authorization.builder();
        boolean router = false;
        for (int i = 0; i < h.getHttpFiltersCount(); i++) {
            HttpFilter f = h.getHttpFilters(i);
            String filterPath = path + ".http_filters[" + i + "]";
            requireName(f.getName(), filterPath);
            String configPath = filterPath + ".typed_config";
            if (!f.hasTypedConfig()) {
                throw new ConfigException(configPath, "is required");
            }
            String url = f.getTypedConfig().getTypeUrl();
            String type = url.substring(url.lastIndexOf('/') + 1);
            if (router) {
                throw new ConfigException(filterPath, type.equals(Router.getDescriptor().getFullName())
                        ? "only one " + BootstrapFields.ROUTER + " is allowed"
                        : "comes after " + BootstrapFields.ROUTER + ", which must be the last filter");
            }
            if (type.equals(Router.getDescriptor().getFullName())) {
                unpack(true, f.getTypedConfig(), Router.getDefaultInstance(), configPath);
                router = true;
            } else if (type.equals(RBAC.getDescriptor().getFullName())) {
                authorization.add(f.getName(), unpack(true, f.getTypedConfig(), RBAC.getDefaultInstance(), configPath),
                        configPath);
            } else {
                throw new ConfigException(configPath, url + " " + SubsetChecker.NOT_SUPPORTED);
            }
        }
        if (!router) {
            throw new ConfigException(path + ".http_filters", "must end with " + BootstrapFields.ROUTER);
        }
        return authorization.build();
    }

    /** Every cluster a route forwards to must exist; the route package does not know the clusters. */
    private static void checkClusterReferences(RouteConfiguration config, Set<String> clusters, String path)
            throws ConfigException {
        for (int i = 0; i < config.getVirtualHostsCount(); i++) {
            VirtualHost vh = config.getVirtualHosts(i);
            for (int j = 0; j < vh.getRoutesCount(); j++) {
                Route r = vh.getRoutes(j);
                if (!r.hasRoute()) {
                    continue;
                }
                String actionPath = path + ".virtual_hosts[" + i + "].routes[" + j + "].route";
                RouteAction action = r.getRoute();
                if (action.getClusterSpecifierCase() == RouteAction.ClusterSpecifierCase.CLUSTER) {
                    requireCluster(action.getCluster(), clusters, actionPath + ".cluster");
                } else if (action.getClusterSpecifierCase() == RouteAction.ClusterSpecifierCase.WEIGHTED_CLUSTERS) {
                    List<WeightedCluster.ClusterWeight> weights = action.getWeightedClusters().getClustersList();
                    for (int k = 0; k < weights.size(); k++) {
                        requireCluster(weights.get(k).getName(), clusters,
                                actionPath + ".weighted_clusters.clusters[" + k + "].name");
                    }
                }
                for (int k = 0; k < action.getRequestMirrorPoliciesCount(); k++) {
                    requireCluster(action.getRequestMirrorPolicies(k).getCluster(), clusters,
                            actionPath + ".request_mirror_policies[" + k + "].cluster");
                }
            }
        }
    }

    private static void requireCluster(String name, Set<String> clusters, String path) throws ConfigException {
        if (!clusters.contains(name)) {
            throw new ConfigException(path, "unknown cluster \"" + name + "\"");
        }
    }

    // ---- clusters

    @SuppressWarnings("deprecation") // dns_refresh_rate: deprecated in Envoy, still the common way to set it
    private ClusterSpec cluster(Cluster c, String path, Eds eds, TlsContexts.SecretRefs refs) throws ConfigException {
        DiscoveryType type = switch (c.getType()) {
            case STATIC -> DiscoveryType.STATIC;
            case STRICT_DNS -> DiscoveryType.STRICT_DNS;
            case LOGICAL_DNS -> DiscoveryType.LOGICAL_DNS;
            case EDS -> {
                if (eds == null) {
                    throw new ConfigException(path + ".type", "EDS is supported for clusters that arrive over CDS, "
                            + "not in static_resources");
                }
                yield DiscoveryType.EDS;
            }
            default -> throw new ConfigException(path + ".type",
                    c.getType() + " is not supported by Weft (supported: STATIC, STRICT_DNS, LOGICAL_DNS, EDS)");
        };
        try {
            clusterValidator.validate(c);
        } catch (ConfigException e) {
            throw e.under(path);
        }
        long connectTimeout = c.hasConnectTimeout() ? millis(c.getConnectTimeout(), path + ".connect_timeout")
                : DEFAULT_CONNECT_TIMEOUT_MS;
        if (connectTimeout <= 0) {
            throw new ConfigException(path + ".connect_timeout", "must be positive");
        }
        long dnsRefresh = c.hasDnsRefreshRate() ? millis(c.getDnsRefreshRate(), path + ".dns_refresh_rate")
                : DEFAULT_DNS_REFRESH_MS;
        if (dnsRefresh <= 0) {
            throw new ConfigException(path + ".dns_refresh_rate", "must be positive");
        }
        if (c.getDnsLookupFamily() == Cluster.DnsLookupFamily.UNRECOGNIZED) {
            throw new ConfigException(path + ".dns_lookup_family", "value " + c.getDnsLookupFamilyValue()
                    + " is not supported (expected: AUTO, V4_ONLY, V6_ONLY, V4_PREFERRED or ALL)");
        }
        List<EndpointSpec> endpoints = type == DiscoveryType.EDS ? edsEndpoints(c, path, eds)
                : endpoints(c.getLoadAssignment(), type, path + ".load_assignment");
        if (type != DiscoveryType.EDS && c.hasEdsClusterConfig()) {
            throw new ConfigException(path + ".eds_cluster_config", "is only for clusters of type EDS");
        }

        Protocol protocol = protocol(c, path);
        List<String> alpn = switch (protocol.protocol) {
            case ALPN -> List.of(H2, HTTP11);
            case HTTP2 -> List.of(H2);
            case HTTP1 -> List.of(HTTP11);
        };
        UpstreamTransport transport = c.hasTransportSocket()
                ? upstreamTransport(c.getTransportSocket(), alpn, path + ".transport_socket", refs)
                : UpstreamTransport.PLAINTEXT;
        List<ClusterSpec.TransportSocketMatch> matches = new ArrayList<>();
        Set<String> matchNames = new HashSet<>();
        for (int i = 0; i < c.getTransportSocketMatchesCount(); i++) {
            Cluster.TransportSocketMatch m = c.getTransportSocketMatches(i);
            String mPath = path + ".transport_socket_matches[" + i + "]";
            requireName(m.getName(), mPath);
            if (!matchNames.add(m.getName())) {
                throw new ConfigException(mPath + ".name", "duplicate transport socket match name \"" + m.getName() + "\"");
            }
            if (!m.hasTransportSocket()) {
                throw new ConfigException(mPath + ".transport_socket", "is required");
            }
            matches.add(new ClusterSpec.TransportSocketMatch(m.getName(), m.getMatch(),
                    upstreamTransport(m.getTransportSocket(), alpn, mPath + ".transport_socket", refs)));
        }
        if (protocol.protocol == UpstreamProtocol.ALPN
                && (!transport.isTls() || matches.stream().anyMatch(m -> !m.transport().isTls()))) {
            throw new ConfigException(protocol.alpnPath, "needs a TLS transport_socket on the cluster (ALPN is negotiated in TLS)");
        }
        int bufferLimit = c.hasPerConnectionBufferLimitBytes()
                ? saturatedInt(c.getPerConnectionBufferLimitBytes()) : DEFAULT_BUFFER_LIMIT_BYTES;
        return new ClusterSpec(c.getName(), type, endpoints, c, connectTimeout, protocol.idleTimeoutMillis,
                protocol.maxRequestsPerConnection, protocol.protocol, transport, matches, dnsRefresh, bufferLimit,
                WeftMetadata.service(c.getMetadata(), path));
    }

    /** A cluster's (or a transport_socket_matches entry's) transport socket: TLS or raw_buffer. */
    private UpstreamTransport upstreamTransport(TransportSocket ts, List<String> alpn, String tsPath,
            TlsContexts.SecretRefs refs) throws ConfigException {
        if (ts.getName().equals(BootstrapFields.RAW_BUFFER)) {
            rawBuffer(ts, tsPath);
            return UpstreamTransport.PLAINTEXT;
        }
        requireExtension(ts.getName(), BootstrapFields.TLS, tsPath, BootstrapFields.RAW_BUFFER);
        UpstreamTlsContext ctx = unpack(ts.hasTypedConfig(), ts.getTypedConfig(),
                UpstreamTlsContext.getDefaultInstance(), tsPath + ".typed_config");
        return TlsContexts.client(ctx, alpn, tsPath + ".typed_config", refs);
    }

    /** An EDS cluster's endpoints: its ClusterLoadAssignment's, none while that has not arrived. */
    private List<EndpointSpec> edsEndpoints(Cluster c, String path, Eds eds) throws ConfigException {
        if (c.hasLoadAssignment()) {
            throw new ConfigException(path + ".load_assignment", "cannot be set on an EDS cluster (its endpoints come over EDS)");
        }
        if (!c.hasEdsClusterConfig()) {
            throw new ConfigException(path + ".eds_cluster_config", "is required for an EDS cluster");
        }
        Cluster.EdsClusterConfig config = c.getEdsClusterConfig();
        requireAds(config.hasEdsConfig(), config.getEdsConfig(), path + ".eds_cluster_config.eds_config");
        String service = edsServiceName(c);
        ClusterLoadAssignment assignment = eds.assignments().get(service);
        if (assignment == null) {
            eds.missing().add(service);
            return List.of();
        }
        String claPath = "ClusterLoadAssignment[" + service + "]";
        subset.check(assignment, claPath);
        return endpoints(assignment, DiscoveryType.EDS, claPath);
    }

    /** The EDS resource name of an EDS cluster: eds_cluster_config.service_name, else the cluster name. */
    static String edsServiceName(Cluster c) {
        String service = c.getEdsClusterConfig().getServiceName();
        return service.isEmpty() ? c.getName() : service;
    }

    private static List<EndpointSpec> endpoints(ClusterLoadAssignment assignment, DiscoveryType type, String path)
            throws ConfigException {
        List<EndpointSpec> endpoints = new ArrayList<>();
        List<LocalityLbEndpoints> localities = assignment.getEndpointsList();
        for (int i = 0; i < localities.size(); i++) {
            LocalityLbEndpoints locality = localities.get(i);
            for (int j = 0; j < locality.getLbEndpointsCount(); j++) {
                LbEndpoint lb = locality.getLbEndpoints(j);
                String lbPath = path + ".endpoints[" + i + "].lb_endpoints[" + j + "]";
                if (!lb.getEndpoint().hasAddress()) {
                    throw new ConfigException(lbPath + ".endpoint.address", "is required");
                }
                String addressPath = lbPath + ".endpoint.address";
                SocketAddress sa = socketAddress(lb.getEndpoint().getAddress(), addressPath);
                if ((type == DiscoveryType.STATIC || type == DiscoveryType.EDS) && NetUtil.createInetAddressFromIpAddressString(sa.getAddress()) == null) {
                    throw new ConfigException(addressPath + ".socket_address.address", "\"" + sa.getAddress()
                            + "\" is not an IP address (" + (type == DiscoveryType.EDS ? "EDS endpoints are IP literals"
                            : "a STATIC cluster needs IP literals; use STRICT_DNS for names") + ")");
                }
                int weight = 1;
                if (lb.hasLoadBalancingWeight()) {
                    weight = saturatedInt(lb.getLoadBalancingWeight());
                    if (weight < 1) {
                        throw new ConfigException(lbPath + ".load_balancing_weight", "must be at least 1");
                    }
                }
                boolean healthy = switch (lb.getHealthStatus()) {
                    case UNHEALTHY, DRAINING, TIMEOUT, DEGRADED -> false;
                    default -> true;
                };
                Struct transportSocketMatch = Struct.getDefaultInstance();
                WeftMetadata.Workload workload = WeftMetadata.Workload.NONE;
                for (Map.Entry<String, Struct> m : lb.getMetadata().getFilterMetadataMap().entrySet()) {
                    String mPath = lbPath + ".metadata.filter_metadata[\"" + m.getKey() + "\"]";
                    if (m.getKey().equals(BootstrapFields.TRANSPORT_SOCKET_MATCH)) {
                        transportSocketMatch = m.getValue();
                    } else if (m.getKey().equals(WeftMetadata.KEY)) {
                        workload = WeftMetadata.workload(m.getValue(), mPath);
                    } else {
                        throw new ConfigException(mPath, "is not supported by Weft (supported: "
                                + BootstrapFields.TRANSPORT_SOCKET_MATCH + ", " + WeftMetadata.KEY + ")");
                    }
                }
                endpoints.add(new EndpointSpec(sa.getAddress(), sa.getPortValue(), weight, locality.getPriority(), healthy,
                        transportSocketMatch, workload));
            }
        }
        if (type == DiscoveryType.LOGICAL_DNS && endpoints.size() != 1) {
            throw new ConfigException(path, "a LOGICAL_DNS cluster needs exactly one endpoint, got " + endpoints.size());
        }
        return endpoints;
    }

    /** What the cluster's HTTP protocol options amount to; alpnPath is where auto_config was set. */
    private record Protocol(UpstreamProtocol protocol, long idleTimeoutMillis, int maxRequestsPerConnection, String alpnPath) {}

    @SuppressWarnings("deprecation") // the cluster-level protocol fields are deprecated in Envoy, still common
    private Protocol protocol(Cluster c, String path) throws ConfigException {
        io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions common;
        String commonPath;
        UpstreamProtocol protocol;
        String alpnPath = null;
        if (c.getTypedExtensionProtocolOptionsCount() > 0) {
            for (Map.Entry<String, Any> e : c.getTypedExtensionProtocolOptionsMap().entrySet()) {
                if (!e.getKey().equals(BootstrapFields.HTTP_PROTOCOL_OPTIONS)) {
                    throw new ConfigException(path + ".typed_extension_protocol_options[\"" + e.getKey() + "\"]",
                            SubsetChecker.NOT_SUPPORTED);
                }
            }
            // As Envoy: the typed options replace the deprecated cluster fields, they do not merge with them.
            for (String deprecated : List.of("http2_protocol_options", "common_http_protocol_options",
                    "max_requests_per_connection")) {
                if (c.hasField(Cluster.getDescriptor().findFieldByName(deprecated))) {
                    throw new ConfigException(path + "." + deprecated, "cannot be combined with typed_extension_protocol_options[\""
                            + BootstrapFields.HTTP_PROTOCOL_OPTIONS + "\"]");
                }
            }
            String optionsPath = path + ".typed_extension_protocol_options[\"" + BootstrapFields.HTTP_PROTOCOL_OPTIONS + "\"]";
            HttpProtocolOptions options = unpack(true,
                    c.getTypedExtensionProtocolOptionsOrThrow(BootstrapFields.HTTP_PROTOCOL_OPTIONS),
                    HttpProtocolOptions.getDefaultInstance(), optionsPath);
            switch (options.getUpstreamProtocolOptionsCase()) {
                case EXPLICIT_HTTP_CONFIG -> {
                    HttpProtocolOptions.ExplicitHttpConfig explicit = options.getExplicitHttpConfig();
                    String explicitPath = optionsPath + ".explicit_http_config";
                    protocol = switch (explicit.getProtocolConfigCase()) {
                        case HTTP_PROTOCOL_OPTIONS -> UpstreamProtocol.HTTP1;
                        case HTTP2_PROTOCOL_OPTIONS -> {
                            requireEmpty(explicit.getHttp2ProtocolOptions(), explicitPath + ".http2_protocol_options");
                            yield UpstreamProtocol.HTTP2;
                        }
                        default -> throw new ConfigException(explicitPath,
                                "one of http_protocol_options, http2_protocol_options is required");
                    };
                }
                case AUTO_CONFIG -> {
                    protocol = UpstreamProtocol.ALPN;
                    alpnPath = optionsPath + ".auto_config";
                }
                default -> throw new ConfigException(optionsPath, "one of explicit_http_config, auto_config is required");
            }
            common = options.getCommonHttpProtocolOptions();
            commonPath = optionsPath + ".common_http_protocol_options";
        } else {
            protocol = UpstreamProtocol.HTTP1;
            if (c.hasHttp2ProtocolOptions()) {
                requireEmpty(c.getHttp2ProtocolOptions(), path + ".http2_protocol_options");
                protocol = UpstreamProtocol.HTTP2;
            }
            common = c.getCommonHttpProtocolOptions();
            commonPath = path + ".common_http_protocol_options";
        }
        long idle = common.hasIdleTimeout() ? millis(common.getIdleTimeout(), commonPath + ".idle_timeout")
                : DEFAULT_IDLE_TIMEOUT_MS;
        int maxRequests = 0;
        if (common.hasMaxRequestsPerConnection()) {
            if (c.hasMaxRequestsPerConnection()) {
                throw new ConfigException(path + ".max_requests_per_connection",
                        "cannot be set together with common_http_protocol_options.max_requests_per_connection");
            }
            maxRequests = saturatedInt(common.getMaxRequestsPerConnection());
        } else if (c.hasMaxRequestsPerConnection()) {
            maxRequests = saturatedInt(c.getMaxRequestsPerConnection());
        }
        return new Protocol(protocol, idle, maxRequests, alpnPath);
    }

    /** Upstream HTTP/2 settings are Weft's own; a set field would otherwise be silently ignored. */
    private static void requireEmpty(Http2ProtocolOptions options, String path) throws ConfigException {
        if (!options.getAllFields().isEmpty()) {
            String field = options.getAllFields().keySet().iterator().next().getName();
            throw new ConfigException(path + "." + field, "is not supported by Weft on upstream connections");
        }
    }

    // ---- shared

    private static void requireName(String name, String path) throws ConfigException {
        if (name.isEmpty()) {
            throw new ConfigException(path + ".name", "is required");
        }
    }

    private static void requireExtension(String name, String expected, String path, String... alsoSupported)
            throws ConfigException {
        if (!name.equals(expected)) {
            String supported = alsoSupported.length == 0 ? expected : expected + ", " + String.join(", ", alsoSupported);
            throw new ConfigException(path + ".name", (name.isEmpty() ? "is required" : name + " is not supported by Weft")
                    + " (supported: " + supported + ")");
        }
    }

    @SuppressWarnings("unchecked")
    private <T extends Message> T unpack(boolean present, Any any, T prototype, String path) throws ConfigException {
        String expected = prototype.getDescriptorForType().getFullName();
        if (!present) {
            throw new ConfigException(path, "is required (" + expected + ")");
        }
        String url = any.getTypeUrl();
        if (!url.substring(url.lastIndexOf('/') + 1).equals(expected)) {
            throw new ConfigException(path, "expected " + expected + ", got " + url);
        }
        return (T) subset.unpack(any, path);
    }

    private static SocketAddress socketAddress(Address address, String path) throws ConfigException {
        return socketAddress(address, path, false);
    }

    /** {@code listening}: port 0 is allowed and binds an ephemeral port, as in Envoy. */
    private static SocketAddress socketAddress(Address address, String path, boolean listening) throws ConfigException {
        if (!address.hasSocketAddress()) {
            throw new ConfigException(path + ".socket_address", "is required");
        }
        SocketAddress sa = address.getSocketAddress();
        if (sa.getAddress().isEmpty()) {
            throw new ConfigException(path + ".socket_address.address", "is required");
        }
        int port = sa.getPortValue();
        if (port < (listening ? 0 : 1) || port > 65535) {
            throw new ConfigException(path + ".socket_address.port_value",
                    "must be " + (listening ? 0 : 1) + "-65535, got " + Integer.toUnsignedString(port));
        }
        return sa;
    }

    /** A listening address: IP literals only, as Envoy, so that binding never waits on DNS. */
    private static InetSocketAddress ipAddress(Address address, String path) throws ConfigException {
        SocketAddress sa = socketAddress(address, path, true);
        InetAddress ip = NetUtil.createInetAddressFromIpAddressString(sa.getAddress());
        if (ip == null) {
            throw new ConfigException(path + ".socket_address.address", "\"" + sa.getAddress() + "\" is not an IP address");
        }
        return new InetSocketAddress(ip, sa.getPortValue());
    }

    private static long millis(Duration d, String path) throws ConfigException {
        if (d.getSeconds() < 0 || d.getNanos() < 0) {
            throw new ConfigException(path, "must not be negative");
        }
        return Durations.toMillis(d);
    }

    private static int uint32(boolean present, UInt32Value value, int defaultValue, int min, String path)
            throws ConfigException {
        if (!present) {
            return defaultValue;
        }
        long v = Integer.toUnsignedLong(value.getValue());
        if (v < min || v > Integer.MAX_VALUE) {
            throw new ConfigException(path, "must be " + min + "-" + Integer.MAX_VALUE + ", got " + v);
        }
        return (int) v;
    }

    private static int saturatedInt(UInt32Value value) {
        return (int) Math.min(Integer.MAX_VALUE, Integer.toUnsignedLong(value.getValue()));
    }
}
