package dev.weft.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.proxy.config.ClusterSpec.DiscoveryType;
import dev.weft.proxy.config.ClusterSpec.UpstreamProtocol;
import dev.weft.proxy.config.HttpSettings.CodecType;
import dev.weft.proxy.rbac.Authorization;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapLoaderTest {
    private static final String HCM = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";
    private static final String HTTP_OPTIONS_KEY = "typed_extension_protocol_options[\"envoy.extensions.upstreams.http.v3.HttpProtocolOptions\"]";

    /** One listener routing everything to one STATIC cluster: each error case changes one thing. */
    static final String MINIMAL = """
            static_resources:
              listeners:
              - name: ingress
                address:
                  socket_address: { address: 127.0.0.1, port_value: 10000 }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: ingress
                      route_config:
                        virtual_hosts:
                        - name: all
                          domains: ["*"]
                          routes:
                          - match: { prefix: "/" }
                            route: { cluster: backend }
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
              clusters:
              - name: backend
                connect_timeout: 1s
                load_assignment:
                  cluster_name: backend
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8000 } } }
            """;

    private final TestWiring wiring = new TestWiring();

    // ---- valid configurations

    @Test
    void fullYamlBootstrapBecomesTheExpectedSnapshot() throws Exception {
        ProxySnapshot snapshot = wiring.parse(resource("full-bootstrap.yaml"));

        assertFullSnapshot(snapshot);
    }

    @Test
    void fullJsonBootstrapWithCamelCaseNamesBecomesTheSameSnapshot() throws Exception {
        ProxySnapshot fromJson = BootstrapLoader.parse(resource("full-bootstrap.json"), "bootstrap.json", wiring.wiring);
        ProxySnapshot fromYaml = wiring.parse(resource("full-bootstrap.yaml"));

        assertFullSnapshot(fromJson);
        assertThat(fromJson.source()).isEqualTo(fromYaml.source());
    }

    @Test
    void loadPicksTheFormatByExtension(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bootstrap.json");
        Files.writeString(json, resource("full-bootstrap.json"));
        Path yamlNamedJson = dir.resolve("yaml.json");
        Files.writeString(yamlNamedJson, MINIMAL);

        assertFullSnapshot(BootstrapLoader.load(json, wiring.wiring));
        assertThatThrownBy(() -> BootstrapLoader.load(yamlNamedJson, wiring.wiring))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(yamlNamedJson + " line 1, column 1: Unrecognized token 'static_resources'");
    }

    private static void assertFullSnapshot(ProxySnapshot snapshot) {
        assertThat(snapshot.version()).matches("static-[0-9a-f]{12}");
        assertThat(snapshot.adminAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", 9901));
        assertThat(snapshot.source().getNode().getId()).isEqualTo("gateway-1");

        assertThat(snapshot.listeners()).extracting(ListenerSpec::name).containsExactly("ingress", "internal");
        ListenerSpec ingress = snapshot.listeners().get(0);
        assertThat(ingress.address()).isEqualTo(new InetSocketAddress("0.0.0.0", 10000));
        assertThat(ingress.tls()).isNull();
        assertThat(ingress.http()).isEqualTo(new HttpSettings("ingress_http", null, CodecType.AUTO, 96 * 1024,
                30_000, 60_000, 2_000, true, false, 250, 65_536, 1_048_576, Set.of("websocket"), Authorization.NONE));
        ListenerSpec internal = snapshot.listeners().get(1);
        assertThat(internal.address()).isEqualTo(new InetSocketAddress("::1", 10001));
        assertThat(internal.http()).isEqualTo(new HttpSettings("internal", null, CodecType.HTTP2, 60 * 1024,
                0, 300_000, 5_000, true, true, 100, 1 << 20, 16 << 20, Set.of(), Authorization.NONE));

        assertThat(snapshot.clusters()).containsOnlyKeys("chat-a", "chat-b", "embeddings");
        ClusterSpec chatA = snapshot.clusters().get("chat-a");
        assertThat(chatA).usingRecursiveComparison().ignoringFields("proto").isEqualTo(new ClusterSpec("chat-a",
                DiscoveryType.STATIC,
                List.of(new EndpointSpec("10.0.0.1", 8000, 3, 0, true),
                        new EndpointSpec("10.0.0.2", 8000, 1, 0, false),
                        new EndpointSpec("10.0.1.1", 8000, 1, 1, true)),
                null, 250, 30_000, 1000, UpstreamProtocol.HTTP2, UpstreamTransport.PLAINTEXT, List.of(), 5_000, 32_768, null));
        assertThat(chatA.proto().getName()).isEqualTo("chat-a");
        assertThat(snapshot.clusters().get("chat-b")).usingRecursiveComparison().ignoringFields("proto")
                .isEqualTo(new ClusterSpec("chat-b", DiscoveryType.STRICT_DNS,
                        List.of(new EndpointSpec("chat-b.internal", 8080, 1, 0, true),
                                new EndpointSpec("chat-b-2.internal", 8080, 1, 0, true)),
                        null, 5_000, 0, 50, UpstreamProtocol.HTTP1, UpstreamTransport.PLAINTEXT, List.of(), 10_000, 1 << 20, null));
        assertThat(snapshot.clusters().get("embeddings")).usingRecursiveComparison().ignoringFields("proto")
                .isEqualTo(new ClusterSpec("embeddings", DiscoveryType.LOGICAL_DNS,
                        List.of(new EndpointSpec("embeddings.internal", 9000, 1, 0, true)),
                        null, 5_000, 3_600_000, 0, UpstreamProtocol.HTTP1, UpstreamTransport.PLAINTEXT, List.of(), 5_000, 1 << 20, null));
    }

    @Test
    void eachRouteConfigurationIsHandedToTheRouteCompiler() throws Exception {
        wiring.parse(resource("full-bootstrap.yaml"));

        assertThat(wiring.compiledRoutes).extracting(r -> r.getVirtualHosts(0).getName()).containsExactly("models", "all");
    }

    @Test
    void versionChangesWithTheInput() throws Exception {
        String v1 = wiring.parse(MINIMAL).version();
        String v2 = wiring.parse(MINIMAL.replace("connect_timeout: 1s", "connect_timeout: 2s")).version();

        assertThat(v1).isNotEqualTo(v2).isEqualTo(wiring.parse(MINIMAL).version());
    }

    @Test
    void anAdminAloneIsAValidConfig() throws Exception {
        ProxySnapshot snapshot = wiring.parse("admin: { address: { socket_address: { address: 127.0.0.1, port_value: 9901 } } }");

        assertThat(snapshot.listeners()).isEmpty();
        assertThat(snapshot.clusters()).isEmpty();
        assertThat(snapshot.adminAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", 9901));
    }

    // ---- errors of the document itself

    @Test
    void yamlSyntaxErrorNamesFileAndLine() {
        assertRejected(replaceOnce(MINIMAL, "stat_prefix: ingress", "stat_prefix: [ingress"),
                "bootstrap.yaml line 12, column 23: expected ',' or ']', but got : (while parsing a flow sequence)");
    }

    @Test
    void duplicateKeyNamesFileAndLine() {
        assertRejected(replaceOnce(MINIMAL, "connect_timeout: 1s", "connect_timeout: 1s\n    connect_timeout: 2s"),
                "bootstrap.yaml line 26, column 20: Duplicate field 'connect_timeout'");
    }

    @Test
    void emptyDocumentIsRejected() {
        assertRejectedExactly("# nothing\n", "bootstrap.yaml is empty");
    }

    @Test
    void secondYamlDocumentIsRejected() {
        assertRejected(MINIMAL + "---\nnode: { id: x }\n", "bootstrap.yaml line 32, column 1: only one document is allowed");
    }

    @Test
    void missingFileNamesTheFile(@TempDir Path dir) {
        Path missing = dir.resolve("none.yaml");

        assertThatThrownBy(() -> BootstrapLoader.load(missing, wiring.wiring))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cannot read " + missing + ": no such file");
    }

    // ---- errors against the protos

    @Test
    void misspeltFieldIsReportedWithItsPathAndASuggestion() {
        assertRejectedExactly(replaceOnce(MINIMAL, "connect_timeout: 1s", "lb_polcy: ROUND_ROBIN"),
                "static_resources.clusters[0].lb_polcy: unknown field of envoy.config.cluster.v3.Cluster (did you mean lb_policy?)");
    }

    @Test
    void unknownFieldInsideTypedConfigIsReportedWithItsPath() {
        assertRejectedExactly(replaceOnce(MINIMAL, "stat_prefix: ingress", "stat_prefix: ingress\n          no_such_field: 1"),
                HCM + ".no_such_field: unknown field of "
                        + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
    }

    @Test
    void lowerCamelCaseNamesAreAccepted() throws Exception {
        ProxySnapshot snapshot = wiring.parse(replaceOnce(MINIMAL, "connect_timeout: 1s", "connectTimeout: 2s"));

        assertThat(snapshot.clusters().get("backend").connectTimeoutMillis()).isEqualTo(2_000);
    }

    @Test
    void fieldGivenInBothSpellingsIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "connect_timeout: 1s", "connect_timeout: 1s\n    connectTimeout: 2s"),
                "static_resources.clusters[0].connect_timeout: is set twice (as connect_timeout and connectTimeout)");
    }

    @Test
    void badValueIsReportedWithItsPath() {
        assertRejectedExactly(replaceOnce(MINIMAL, "port_value: 10000", "port_value: ten"),
                "static_resources.listeners[0].address.socket_address.port_value: Not an uint32 value: \"ten\"");
        assertRejectedExactly(replaceOnce(MINIMAL, "connect_timeout: 1s", "connect_timeout: 1 second"),
                "static_resources.clusters[0].connect_timeout: Failed to parse duration: \"1 second\"");
        assertRejected(replaceOnce(MINIMAL, "connect_timeout: 1s", "type: ELASTIC"),
                "static_resources.clusters[0].type: Invalid enum value: ELASTIC");
    }

    @Test
    void twoMembersOfAOneofAreRejected() {
        assertRejected(replaceOnce(MINIMAL, "route: { cluster: backend }", "route: { cluster: backend, cluster_header: x-target }"),
                HCM + ".route_config.virtual_hosts[0].routes[0].route.cluster_header: cannot be set together with cluster");
    }

    @Test
    void objectWhereAListIsExpectedIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "domains: [\"*\"]", "domains: \"*\""),
                HCM + ".route_config.virtual_hosts[0].domains: expected a list, got the string \"*\"");
    }

    // ---- errors against the supported subset

    @Test
    void setButUnsupportedFieldIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "- name: ingress", "- name: ingress\n    per_connection_buffer_limit_bytes: 1024"),
                "static_resources.listeners[0].per_connection_buffer_limit_bytes: is not supported by Weft (see docs/envoy-compat.md)");
    }

    @Test
    void unsupportedFieldInsideTypedConfigIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "stat_prefix: ingress", "stat_prefix: ingress\n          server_name: weft"),
                HCM + ".server_name: is not supported by Weft (see docs/envoy-compat.md)");
    }

    @Test
    void edsClusterIsRejectedInStaticResources() {
        assertRejectedExactly(replaceOnce(MINIMAL, "- name: backend", "- name: backend\n    type: EDS"),
                "static_resources.clusters[0].type: EDS is supported for clusters that arrive over CDS, not in static_resources");
    }

    @Test
    void rdsNeedsDynamicResources() {
        String rds = replaceOnce(MINIMAL, """
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - match: { prefix: "/" }
                                route: { cluster: backend }
                """, """
                          rds: { route_config_name: routes, config_source: { ads: {} } }
                """);

        assertRejectedExactly(rds, HCM + ".rds: needs dynamic_resources (ADS); a static bootstrap uses an inline route_config");
    }

    @Test
    void extraHttpFilterIsRejectedByName() {
        assertRejectedExactly(replaceOnce(MINIMAL, "http_filters:\n", """
                http_filters:
                          - name: envoy.filters.http.cors
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors
                """),
                HCM + ".http_filters[0].name: envoy.filters.http.cors is not supported by Weft (supported: envoy.filters.http.rbac, envoy.filters.http.router)");
    }

    @Test
    void secondRouterIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "http_filters:\n", """
                http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """),
                HCM + ".http_filters[1]: only one envoy.filters.http.router is allowed");
    }

    @Test
    void routerWithSettingsIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "v3.Router\n", "v3.Router\n              suppress_envoy_headers: true\n"),
                HCM + ".http_filters[0].typed_config.suppress_envoy_headers: is not supported by Weft (see docs/envoy-compat.md)");
    }

    @Test
    void wrongTypedConfigForAFilterIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "http.router.v3.Router", "network.http_connection_manager.v3.HttpConnectionManager"),
                HCM + ".http_filters[0].typed_config.@type: type.googleapis.com/envoy.extensions.filters.network."
                        + "http_connection_manager.v3.HttpConnectionManager does not configure envoy.filters.http.router "
                        + "(expected envoy.extensions.filters.http.router.v3.Router)");
    }

    @Test
    void twoFilterChainsMatchingTheSameConnectionsAreRejected() {
        String chain = MINIMAL.substring(MINIMAL.indexOf("    - filters:"), MINIMAL.indexOf("  clusters:"));

        assertRejectedExactly(replaceOnce(MINIMAL, "  clusters:", chain + "  clusters:"),
                "static_resources.listeners[0].filter_chains[1].filter_chain_match: matches the same connections as "
                        + "static_resources.listeners[0].filter_chains[0] (one chain per transport_protocol: tls, raw_buffer, any)");
    }

    @Test
    void filterChainMatchOtherThanTransportProtocolIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "    - filters:", "    - filter_chain_match: { server_names: [a.example] }\n      filters:"),
                "static_resources.listeners[0].filter_chains[0].filter_chain_match.server_names: is not supported by Weft (see docs/envoy-compat.md)");
    }

    @Test
    void upgradeOtherThanWebsocketIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "stat_prefix: ingress", "stat_prefix: ingress\n          upgrade_configs: [{ upgrade_type: CONNECT }]"),
                HCM + ".upgrade_configs[0].upgrade_type: \"CONNECT\" is not supported by Weft (supported: websocket)");
    }

    @Test
    void http3CodecIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "stat_prefix: ingress", "stat_prefix: ingress\n          codec_type: HTTP3"),
                HCM + ".codec_type: HTTP3 is not supported by Weft (supported: AUTO, HTTP1, HTTP2)");
    }

    @Test
    void unsupportedProtocolOptionsTypeIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "connect_timeout: 1s", """
                connect_timeout: 1s
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions"""),
                "static_resources.clusters[0].typed_extension_protocol_options[\"envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions\"]"
                        + ".@type: type.googleapis.com/envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions is not supported by Weft "
                        + "(see docs/envoy-compat.md)");
    }

    @Test
    void protocolOptionsUnderAnotherKeyAreRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "connect_timeout: 1s", """
                connect_timeout: 1s
                    typed_extension_protocol_options:
                      http:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        explicit_http_config: { http2_protocol_options: {} }"""),
                "static_resources.clusters[0].typed_extension_protocol_options[\"http\"]: is not supported by Weft (see docs/envoy-compat.md)");
    }

    @Test
    void autoConfigWithoutTlsIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "connect_timeout: 1s", """
                connect_timeout: 1s
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        auto_config: {}"""),
                "static_resources.clusters[0]." + HTTP_OPTIONS_KEY
                        + ".auto_config: needs a TLS transport_socket on the cluster (ALPN is negotiated in TLS)");
    }

    @Test
    void typedProtocolOptionsDoNotMixWithTheDeprecatedFields() {
        assertRejectedExactly(replaceOnce(MINIMAL, "connect_timeout: 1s", """
                connect_timeout: 1s
                    http2_protocol_options: {}
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        explicit_http_config: { http2_protocol_options: {} }"""),
                "static_resources.clusters[0].http2_protocol_options: cannot be combined with " + HTTP_OPTIONS_KEY);
    }

    @Test
    void upstreamHttp2SettingsAreRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "connect_timeout: 1s", "connect_timeout: 1s\n    http2_protocol_options: { max_concurrent_streams: 10 }"),
                "static_resources.clusters[0].http2_protocol_options.max_concurrent_streams: is not supported by Weft on upstream connections");
    }

    // ---- semantic errors

    @Test
    void routeToMissingClusterIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "route: { cluster: backend }", "route: { cluster: nope }"),
                HCM + ".route_config.virtual_hosts[0].routes[0].route.cluster: unknown cluster \"nope\"");
    }

    @Test
    void weightedRouteToMissingClusterIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "route: { cluster: backend }",
                        "route: { weighted_clusters: { clusters: [{ name: backend, weight: 1 }, { name: nope, weight: 1 }] } }"),
                HCM + ".route_config.virtual_hosts[0].routes[0].route.weighted_clusters.clusters[1].name: unknown cluster \"nope\"");
    }

    @Test
    void duplicateClusterNameIsRejected() {
        String cluster = MINIMAL.substring(MINIMAL.indexOf("  - name: backend"));

        assertRejectedExactly(MINIMAL + cluster,
                "static_resources.clusters[1].name: duplicate cluster name \"backend\" (also static_resources.clusters[0])");
    }

    @Test
    void duplicateListenerNameIsRejected() {
        String listener = MINIMAL.substring(MINIMAL.indexOf("  - name: ingress"), MINIMAL.indexOf("  clusters:"));

        assertRejectedExactly(replaceOnce(MINIMAL, "  clusters:", listener + "  clusters:"),
                "static_resources.listeners[1].name: duplicate listener name \"ingress\" (also static_resources.listeners[0])");
    }

    @Test
    void missingListenerNameIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "- name: ingress\n", "- per_connection_buffer_limit_bytes: null\n"),
                "static_resources.listeners[0].name: is required");
    }

    @Test
    void portOutOfRangeIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "port_value: 10000", "port_value: 70000"),
                "static_resources.listeners[0].address.socket_address.port_value: must be 0-65535, got 70000");
        assertRejectedExactly(replaceOnce(MINIMAL, "port_value: 8000", "port_value: 0"),
                "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address"
                        + ".socket_address.port_value: must be 1-65535, got 0");
    }

    @Test
    void listenerNeedsAnIpAddress() {
        assertRejectedExactly(replaceOnce(MINIMAL, "address: 127.0.0.1, port_value: 10000", "address: localhost, port_value: 10000"),
                "static_resources.listeners[0].address.socket_address.address: \"localhost\" is not an IP address");
    }

    @Test
    void staticClusterNeedsIpLiterals() {
        assertRejectedExactly(replaceOnce(MINIMAL, "address: 127.0.0.1, port_value: 8000", "address: backend.local, port_value: 8000"),
                "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address"
                        + ".address: \"backend.local\" is not an IP address (a STATIC cluster needs IP literals; use STRICT_DNS for names)");
    }

    @Test
    void logicalDnsClusterNeedsExactlyOneEndpoint() {
        String twoEndpoints = replaceOnce(MINIMAL, "    - endpoint:", "    - endpoint: { address: { socket_address: { address: b.local, port_value: 8000 } } }\n        - endpoint:");

        assertRejectedExactly(replaceOnce(twoEndpoints, "- name: backend", "- name: backend\n    type: LOGICAL_DNS"),
                "static_resources.clusters[0].load_assignment: a LOGICAL_DNS cluster needs exactly one endpoint, got 2");
    }

    @Test
    void zeroWeightIsRejected() {
        assertRejectedExactly(replaceOnce(MINIMAL, "port_value: 8000 } } }", "port_value: 8000 } } }\n          load_balancing_weight: 0"),
                "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].load_balancing_weight: must be at least 1");
    }

    @Test
    void configWithoutListenerOrAdminIsRejected() {
        assertRejectedExactly("node: { id: n }\nstatic_resources: { clusters: [] }\n",
                "static_resources.listeners: at least one listener (or an admin address) is required");
    }

    @Test
    void loadBalancerErrorsArePutUnderTheClusterPath() {
        assertRejectedExactly(replaceOnce(MINIMAL, "connect_timeout: 1s", "connect_timeout: 1s\n    lb_policy: MAGLEV"),
                "static_resources.clusters[0].lb_policy: MAGLEV is not supported");
    }

    @Test
    void routeCompilerErrorsArePutUnderTheRouteConfigPath() {
        TestWiring failing = new TestWiring(config -> {
            throw new ConfigException("virtual_hosts[0].routes[0].match", "no path specifier");
        });

        assertThatThrownBy(() -> failing.parse(MINIMAL))
                .isInstanceOf(ConfigException.class)
                .hasMessage(HCM + ".route_config.virtual_hosts[0].routes[0].match: no path specifier")
                .extracting(e -> ((ConfigException) e).path())
                .isEqualTo(HCM + ".route_config.virtual_hosts[0].routes[0].match");
    }

    // ---- helpers

    private void assertRejectedExactly(String yaml, String message) {
        assertThatThrownBy(() -> wiring.parse(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    private void assertRejected(String yaml, String messagePrefix) {
        assertThatThrownBy(() -> wiring.parse(yaml)).isInstanceOf(ConfigException.class).hasMessageStartingWith(messagePrefix);
    }

    static String replaceOnce(String text, String from, String to) {
        int at = text.indexOf(from);
        if (at < 0 || text.indexOf(from, at + 1) >= 0) {
            throw new IllegalArgumentException("expected exactly one \"" + from + "\" in the test config");
        }
        return text.substring(0, at) + to + text.substring(at + from.length());
    }

    static String resource(String name) throws IOException {
        try (InputStream in = BootstrapLoaderTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("no test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
