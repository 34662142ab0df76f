package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.testkit.Curl;
import dev.weft.testkit.Nginx;
import dev.weft.testkit.Ports;
import dev.weft.testkit.Processes;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TLS through the proxy on real sockets, with certificates made by openssl: a TLS listener where
 * curl negotiates h2 or http/1.1 by ALPN, and TLS clusters to nginx where the proxy negotiates
 * (auto_config) or insists on a protocol.
 */
class TlsProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestCertificates certs;
    /** nginx with two TLS ports: one offering h2 and http/1.1, one http/1.1 only. */
    static Nginx nginx;
    static int h2Port;
    static int http1Port;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Curl.available(), "curl is not installed");
        assumeTrue(Processes.executableExists(Path.of("/usr/bin/openssl")), "openssl is not installed");
        certs = TestCertificates.generate(dir);
        if (Nginx.available()) {
            startNginx();
        }
    }

    @AfterAll
    static void tearDown() {
        if (nginx != null) {
            nginx.close();
        }
    }

    @Test
    void curlGetsH2OrHttp11ByAlpnOnATlsListener() throws Exception {
        try (ModelServer up = ModelServer.start(ModelServerConfig.defaults());
             ProxyFixture proxy = ProxyFixture.start(withListenerTls(Bootstraps.of(
                     Bootstraps.routeTo("models", ""), Bootstraps.cluster("models", false, "", up.port()))))) {
            String url = "https://127.0.0.1:" + proxy.port() + "/echo";

            Curl.Result h2 = Curl.run("--cacert", certs.ca().toString(), "--http2", "--data-binary", "over h2", url);
            Curl.Result http1 = Curl.run("--cacert", certs.ca().toString(), "--http1.1", "--data-binary", "over http/1.1", url);
            Curl.Result described = Curl.run("--cacert", certs.ca().toString(), "--http2", url);

            assertThat(h2.exitCode()).as(h2.stderr()).isZero();
            assertThat(h2.httpVersion()).isEqualTo("2");
            assertThat(h2.bodyText()).isEqualTo("over h2");
            assertThat(http1.exitCode()).as(http1.stderr()).isZero();
            assertThat(http1.httpVersion()).isEqualTo("1.1");
            assertThat(http1.bodyText()).isEqualTo("over http/1.1");
            JsonNode seen = JSON.readTree(described.body()).get("headers");
            assertThat(seen.path("x-forwarded-proto").asText()).isEqualTo("https");
            assertThat(up.requestCount("/echo")).isEqualTo(3);
        }
    }

    @Test
    void plaintextClientIsRefusedByATlsListener() throws Exception {
        try (ModelServer up = ModelServer.start(ModelServerConfig.defaults());
             ProxyFixture proxy = ProxyFixture.start(withListenerTls(Bootstraps.of(
                     Bootstraps.routeTo("models", ""), Bootstraps.cluster("models", false, "", up.port()))))) {
            Curl.Result plain = Curl.run("--http1.1", "http://127.0.0.1:" + proxy.port() + "/echo");

            assertThat(plain.status()).isNotEqualTo(200);
            assertThat(up.requestCount()).isZero();
        }
    }

    @Test
    void curlParallelTransfersShareOneTlsConnection() throws Exception {
        int transfers = 30;
        try (ModelServer up = ModelServer.start(ModelServerConfig.builder().h2c(true).build());
             ProxyFixture proxy = ProxyFixture.start(withListenerTls(Bootstraps.of(
                     Bootstraps.routeTo("models", ""), Bootstraps.cluster("models", true, "", up.port()))))) {
            List<String> command = new ArrayList<>(List.of(Curl.executable().orElseThrow().toString(),
                    "-sS", "--cacert", certs.ca().toString(), "--http2", "--parallel", "--parallel-max", String.valueOf(transfers),
                    "--max-time", "20", "-w", "%{http_code} %{http_version}\\n"));
            for (int i = 0; i < transfers; i++) {
                command.addAll(List.of("-o", "/dev/null", "https://127.0.0.1:" + proxy.port() + "/delay/50?i=" + i));
            }

            Processes.Result result = Processes.run(Duration.ofSeconds(30), command);

            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout().lines().toList()).hasSize(transfers).containsOnly("200 2");
            assertThat(proxy.stat("http.main.downstream_cx_total")).isEqualTo(1);
            assertThat(proxy.stat("cluster.models.upstream_cx_total")).isEqualTo(1);
            assertThat(up.requestCount("/delay/{ms}")).isEqualTo(transfers);
        }
    }

    @ParameterizedTest(name = "{0} to nginx offering {1}")
    @CsvSource({
            "auto_config, 'h2,http/1.1', HTTP/2.0",
            "auto_config, http/1.1, HTTP/1.1",
            "http1, 'h2,http/1.1', HTTP/1.1",
            "http2, 'h2,http/1.1', HTTP/2.0"})
    void tlsClusterSpeaksWhatAlpnSettles(String protocol, String nginxOffers, String expected) throws Exception {
        assumeTrue(nginx != null, "nginx is not installed");
        int port = nginxOffers.startsWith("h2") ? h2Port : http1Port;
        String extra = upstreamTls() + switch (protocol) {
            case "auto_config" -> protocolOptions("auto_config: {}");
            case "http1" -> protocolOptions("explicit_http_config: {http_protocol_options: {}}");
            default -> protocolOptions("explicit_http_config: {http2_protocol_options: {}}");
        };
        // The connect timeout bounds the TLS handshake too; a cold JVM's first one can take over a second.
        String cluster = Bootstraps.cluster("nginx", false, extra, port).replace("connect_timeout: 1s", "connect_timeout: 10s");
        try (ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("nginx", ""), cluster))) {
            List<Curl.Result> results = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                results.add(Curl.run("--http1.1", "-D", dir.resolve("headers-" + i).toString(), proxy.uri("/tls?i=" + i).toString()));
            }

            for (int i = 0; i < 3; i++) {
                assertThat(results.get(i).status()).as(results.get(i).bodyText() + results.get(i).stderr()).isEqualTo(200);
                assertThat(results.get(i).bodyText()).isEqualTo("GET /tls?i=" + i + " over " + expected + "\n");
            }
            assertThat(Files.readString(dir.resolve("headers-0")).toLowerCase())
                    .contains("x-upstream-alpn: " + (expected.equals("HTTP/2.0") ? "h2" : "http/1.1"));
            assertThat(proxy.stat("cluster.nginx.upstream_cx_total"))
                    .as("connections are reused: at most one per proxy event loop").isBetween(1L, 2L);
        }
    }

    /** The bootstrap's listener with a DownstreamTlsContext holding the server certificate. */
    private static String withListenerTls(String bootstrap) {
        String tls = """
                    - transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                          common_tls_context:
                            tls_certificates:
                            - certificate_chain: {filename: %s}
                              private_key: {filename: %s}
                      filters:
                """.formatted(certs.serverCertificate(), certs.serverKey());
        String marker = "    - filters:\n";
        assertThat(bootstrap).containsOnlyOnce(marker);
        return bootstrap.replace(marker, tls);
    }

    /** A cluster's UpstreamTlsContext that verifies the server against the test CA. */
    private static String upstreamTls() {
        return """
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                    sni: localhost
                    common_tls_context:
                      validation_context: {trusted_ca: {filename: %s}}
                """.formatted(certs.ca());
    }

    private static String protocolOptions(String config) {
        return """
                typed_extension_protocol_options:
                  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    %s
                """.formatted(config);
    }

    /**
     * Starts nginx with the two TLS ports besides its plaintext one. The TLS ports are picked free
     * up front; if another process takes one first, nginx fails to bind and is started again with new ones.
     */
    private static void startNginx() {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            h2Port = Ports.findFree();
            http1Port = Ports.findFree();
            String server = """
                    listen 127.0.0.1:%d ssl http2;
                    listen 127.0.0.1:%d ssl;
                    ssl_certificate %s;
                    ssl_certificate_key %s;
                    location / {
                        add_header x-upstream-alpn $ssl_alpn_protocol always;
                        return 200 "$request_method $request_uri over $server_protocol\\n";
                    }
                    """.formatted(h2Port, http1Port, certs.serverCertificate(), certs.serverKey());
            try {
                nginx = Nginx.start(dir.resolve("nginx-" + attempt), server);
                Processes.awaitPort("127.0.0.1", h2Port, Duration.ofSeconds(10));
                Processes.awaitPort("127.0.0.1", http1Port, Duration.ofSeconds(10));
                return;
            } catch (IllegalStateException e) {
                if (!String.valueOf(e.getMessage()).contains("Address already in use")) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }
}
