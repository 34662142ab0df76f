package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.weft.testkit.ManagedProcess;
import dev.weft.testkit.Ports;
import dev.weft.testkit.Processes;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code weft proxy} process with two access logs on one listener: the default JSON lines into a file, and
 * a text format on its standard output. Each request, forwarded or answered by the proxy itself, is one line in
 * both, with what happened; the file survives a rotation through admin {@code POST /reopen_logs}.
 */
class AccessLogProcessTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private HttpServer upstream;
    private ManagedProcess proxy;
    private int port;
    private int adminPort;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", ex -> {
            byte[] in = ex.getRequestBody().readAllBytes();
            byte[] out = ("{\"echo\":" + in.length + "}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("content-type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        upstream.start();
        port = Ports.findFree();
        adminPort = Ports.findFree();
        Path bootstrap = dir.resolve("bootstrap.yaml");
        Files.writeString(bootstrap, """
                admin:
                  address: {socket_address: {address: 127.0.0.1, port_value: %d}}
                static_resources:
                  listeners:
                  - name: edge
                    address: {socket_address: {address: 127.0.0.1, port_value: %d}}
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: edge
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: %s
                          - name: envoy.access_loggers.stdout
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                              log_format:
                                text_format_source:
                                  inline_string: "ACCESS %%REQ(:METHOD)%% %%REQ(:PATH)%% %%RESPONSE_CODE%% %%RESPONSE_FLAGS%% %%UPSTREAM_HOST%% %%BYTES_RECEIVED%% %%BYTES_SENT%% %%TRACE_ID%%\\n"
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - name: api
                                match: {prefix: "/api/"}
                                route: {cluster: app}
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  clusters:
                  - name: app
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: app
                      endpoints:
                      - lb_endpoints:
                        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
                """.formatted(adminPort, port, dir.resolve("access.log"), upstream.getAddress().getPort()));
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Weft.class.getName(), "proxy", "--config",
                bootstrap.toString(), "--concurrency", "2");
        proxy = Processes.start(dir, dir.resolve("proxy.out"), command);
        proxy.awaitPort("127.0.0.1", port, BOUND);
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        upstream.stop(0);
    }

    private int send(String method, String path, String body, String traceparent) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (traceparent != null) {
            b.header("traceparent", traceparent);
        }
        return client.send(b.build(), BodyHandlers.discarding()).statusCode();
    }

    private String adminStats() throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/stats")).build(),
                BodyHandlers.ofString()).body();
    }

    private List<JsonNode> fileLines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        if (Files.exists(file)) {
            for (String l : Files.readAllLines(file)) {
                out.add(JSON.readTree(l));
            }
        }
        return out;
    }

    private List<String> stdoutLines() {
        return proxy.output().lines().filter(l -> l.startsWith("ACCESS ")).toList();
    }

    @Test
    void everyRequestIsOneLineInTheFileAndOnStandardOutput() throws Exception {
        String trace = "0af7651916cd43dd8448eb211c80319c";
        Instant before = Instant.now().minusSeconds(1);

        // when: a forwarded POST, and a request no route takes
        assertThat(send("POST", "/api/chat?x=1", "hello world", "00-" + trace + "-b7ad6b7169203331-01")).isEqualTo(200);
        assertThat(send("GET", "/nowhere", null, null)).isEqualTo(404);

        // then: the file has one JSON line each, in order, with what happened
        Path file = dir.resolve("access.log");
        await().atMost(BOUND).until(() -> fileLines(file).size() == 2);
        List<JsonNode> lines = fileLines(file);
        JsonNode forwarded = lines.get(0);
        assertThat(forwarded.get("method").asText()).isEqualTo("POST");
        assertThat(forwarded.get("path").asText()).isEqualTo("/api/chat?x=1");
        assertThat(forwarded.get("authority").asText()).isEqualTo("127.0.0.1:" + port);
        assertThat(forwarded.get("response_code").asInt()).isEqualTo(200);
        assertThat(forwarded.get("response_flags").asText()).isEqualTo("-");
        assertThat(forwarded.get("route_name").asText()).isEqualTo("api");
        assertThat(forwarded.get("upstream_cluster").asText()).isEqualTo("app");
        assertThat(forwarded.get("upstream_host").asText()).isEqualTo("127.0.0.1:" + upstream.getAddress().getPort());
        assertThat(forwarded.get("bytes_received").asLong()).isEqualTo(11);
        assertThat(forwarded.get("bytes_sent").asLong()).isEqualTo("{\"echo\":11}".length());
        assertThat(forwarded.get("trace_id").asText()).isEqualTo(trace);
        assertThat(forwarded.get("request_id").asText()).isNotBlank();
        assertThat(forwarded.get("duration").asLong()).isBetween(0L, 60_000L);
        assertThat(forwarded.get("response_duration").asLong()).isBetween(0L, forwarded.get("duration").asLong());
        assertThat(Instant.parse(forwarded.get("start_time").asText())).isBetween(before, Instant.now());
        JsonNode local = lines.get(1);
        assertThat(local.get("response_code").asInt()).isEqualTo(404);
        assertThat(local.get("response_flags").asText()).isEqualTo("no_route");
        assertThat(local.get("upstream_host").isNull()).isTrue();
        assertThat(local.get("trace_id").isNull()).isTrue();

        // and standard output has the text format's line for each
        await().atMost(BOUND).until(() -> stdoutLines().size() == 2);
        assertThat(stdoutLines()).containsExactly(
                "ACCESS POST /api/chat?x=1 200 - 127.0.0.1:" + upstream.getAddress().getPort() + " 11 11 " + trace,
                "ACCESS GET /nowhere 404 no_route - 0 "
                        + ("no_route: no route matches 127.0.0.1:" + port + "/nowhere\n").length() + " -");
    }

    @Test
    void aRotatedFileIsReopenedOnRequest() throws Exception {
        Path file = dir.resolve("access.log");
        assertThat(send("GET", "/api/one", null, null)).isEqualTo(200);
        await().atMost(BOUND).until(() -> fileLines(file).size() == 1);

        // when: the file is moved away (logrotate) and the proxy is asked to reopen its logs
        Files.move(file, dir.resolve("access.log.1"));
        var reopened = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/reopen_logs"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), BodyHandlers.ofString());
        assertThat(reopened.statusCode()).isEqualTo(200);
        // the writer reopens on its next turn: a line written before that still goes to the moved file
        await().atMost(BOUND).until(() -> adminStats().contains("access_log.reopened: 1\n"));
        assertThat(send("GET", "/api/two", null, null)).isEqualTo(200);

        // then: the new line is in a new file at the configured path, the old one stays rotated
        await().atMost(BOUND).until(() -> fileLines(file).size() == 1);
        assertThat(fileLines(file).get(0).get("path").asText()).isEqualTo("/api/two");
        assertThat(fileLines(dir.resolve("access.log.1"))).extracting(n -> n.get("path").asText())
                .containsExactly("/api/one");
    }
}
