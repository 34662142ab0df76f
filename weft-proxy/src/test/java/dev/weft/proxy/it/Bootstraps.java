package dev.weft.proxy.it;

import java.util.List;
import java.util.stream.Collectors;

/** Builds the bootstrap YAML integration tests run the proxy from. */
public final class Bootstraps {
    private Bootstraps() {}

    /**
     * A bootstrap with one listener on an ephemeral port, an admin listener, the given routes
     * (YAML list items under the catch-all virtual host, indented for that place) and clusters
     * (YAML list items under static_resources.clusters).
     */
    public static String of(String routes, String clusters) {
        return of(routes, clusters, "");
    }

    /** As {@link #of(String, String)}, with extra http_connection_manager fields. */
    public static String of(String routes, String clusters, String hcmExtra) {
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
                """ + indent(hcmExtra, 10) + """
                          route_config:
                            name: local
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                """ + indent(routes, 14) + """
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  clusters:
                """ + indent(clusters, 2);
    }

    /** A STATIC cluster over 127.0.0.1 ports, optionally speaking HTTP/2 (h2c). */
    public static String cluster(String name, boolean http2, String extra, int... ports) {
        String endpoints = java.util.Arrays.stream(ports)
                .mapToObj(p -> "      - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: " + p + "}}}")
                .collect(Collectors.joining("\n"));
        return "- name: " + name + "\n"
                + "  type: STATIC\n"
                + "  connect_timeout: 1s\n"
                + (http2 ? "  http2_protocol_options: {}\n" : "")
                + indent(extra, 2)
                + "  load_assignment:\n"
                + "    cluster_name: " + name + "\n"
                + "    endpoints:\n"
                + "    - lb_endpoints:\n"
                + endpoints + "\n";
    }

    /** A catch-all route to {@code cluster} with extra route-action fields. */
    public static String routeTo(String cluster, String actionExtra) {
        return "- match: {prefix: \"/\"}\n"
                + "  route:\n"
                + "    cluster: " + cluster + "\n"
                + indent(actionExtra, 4);
    }

    static String indent(String text, int spaces) {
        if (text == null || text.isBlank()) {
            return "";
        }
        String pad = " ".repeat(spaces);
        List<String> lines = text.stripTrailing().lines().toList();
        return lines.stream().map(l -> l.isBlank() ? l : pad + l).collect(Collectors.joining("\n")) + "\n";
    }
}
