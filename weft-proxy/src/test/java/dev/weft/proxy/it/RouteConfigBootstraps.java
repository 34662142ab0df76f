package dev.weft.proxy.it;

/**
 * Bootstrap YAML for tests that write the whole route_config (several virtual hosts, header rules
 * at the route-configuration level), which {@link Bootstraps#of} fixes to one catch-all host.
 */
public final class RouteConfigBootstraps {
    private RouteConfigBootstraps() {}

    /**
     * One listener on an ephemeral port and an admin listener; {@code routeConfig} holds the fields
     * of route_config (virtual_hosts and the rest) and {@code clusters} the YAML list items under
     * static_resources.clusters; either may be empty.
     */
    public static String of(String routeConfig, String clusters) {
        return """
                admin:
                  address: {socket_address: {address: 127.0.0.1, port_value: 0}}
                static_resources:
                  listeners:
                  - name: main
                    address: {socket_address: {address: 127.0.0.1, port_value: 0}}
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: main
                          route_config:
                """ + Bootstraps.indent(routeConfig, 14) + """
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                """ + (clusters.isBlank() ? "" : "  clusters:\n" + Bootstraps.indent(clusters, 2));
    }
}
