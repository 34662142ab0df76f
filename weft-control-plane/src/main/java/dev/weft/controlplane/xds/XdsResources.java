package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;

/** Builders of the xDS pieces listeners and clusters share: ADS config sources, HTTP connection managers, addresses. */
final class XdsResources {

    static final String HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager";
    static final String ROUTER = "envoy.filters.http.router";
    static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    private XdsResources() {
    }

    /** {@code {ads: {}, resource_api_version: V3}}: the resource comes over the same ADS stream. */
    static ConfigSource ads() {
        return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(ApiVersion.V3).build();
    }

    static Address address(String host, int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
                .build();
    }

    /** An HTTP connection manager (codec AUTO: HTTP/1.1 and h2c) with route configuration {@code routeName} by RDS. */
    static HttpConnectionManager connectionManager(String statPrefix, String routeName) {
        return HttpConnectionManager.newBuilder()
                .setStatPrefix(statPrefix)
                .setRds(Rds.newBuilder().setRouteConfigName(routeName).setConfigSource(ads()))
                .addHttpFilters(HttpFilter.newBuilder().setName(ROUTER).setTypedConfig(Any.pack(
                        Router.getDefaultInstance())))
                .build();
    }

    /**
     * A listener bound to {@code host:port} serving HTTP with route configuration {@code routeName}; the sidecar's
     * inbound listener is {@code INBOUND} (telemetry reports as the destination), the others {@code OUTBOUND}.
     */
    static Listener listener(String name, String host, int port, String routeName,
            io.envoyproxy.envoy.config.core.v3.TrafficDirection direction) {
        return listener(name, host, port, routeName, direction, null);
    }

    /** As {@link #listener(String, String, int, String, io.envoyproxy.envoy.config.core.v3.TrafficDirection)}, with
     * the mesh's telemetry (tracing) on its connection manager; {@code telemetry} null for none. */
    static Listener listener(String name, String host, int port, String routeName,
            io.envoyproxy.envoy.config.core.v3.TrafficDirection direction, TelemetryTranslator telemetry) {
        HttpConnectionManager hcm = connectionManager(name, routeName);
        if (telemetry != null) {
            hcm = telemetry.apply(hcm.toBuilder()).build();
        }
        return Listener.newBuilder()
                .setName(name)
                .setAddress(address(host, port))
                .setTrafficDirection(direction)
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName(HTTP_CONNECTION_MANAGER)
                        .setTypedConfig(Any.pack(hcm))))
                .build();
    }

    /** A listener with no socket: grpc-java's xds resolver looks one up by the target's authority. */
    static Listener apiListener(String name, String routeName) {
        return Listener.newBuilder()
                .setName(name)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(connectionManager(name, routeName))))
                .build();
    }
}
