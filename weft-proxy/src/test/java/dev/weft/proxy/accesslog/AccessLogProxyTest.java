package dev.weft.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.proxy.it.Bootstraps;
import dev.weft.proxy.it.ProxyFixture;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exchanges that never reach the router are logged too: a request the strict HTTP/1.1 decoder refuses is a line
 * with its status and x-weft-error code, and a client that goes away before its answer is a line that says so.
 */
class AccessLogProxyTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private ProxyFixture proxy;
    private Path log;
    /** An upstream that accepts and never answers. */
    private java.net.ServerSocket silent;

    @BeforeEach
    void start() throws Exception {
        log = dir.resolve("access.log");
        silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        proxy = ProxyFixture.start(Bootstraps.of("""
                - match: {prefix: "/hang"}
                  route: {cluster: silent}
                - match: {prefix: "/fail"}
                  direct_response: {status: 503}
                - match: {prefix: "/"}
                  direct_response: {status: 200, body: {inline_string: "ok"}}
                """, Bootstraps.cluster("silent", false, "", silent.getLocalPort()), """
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                - name: errors
                  filter:
                    or_filter:
                      filters:
                      - status_code_filter: {comparison: {op: GE, value: {default_value: 500, runtime_key: errors.min}}}
                      - and_filter:
                          filters:
                          - status_code_filter: {comparison: {op: EQ, value: {default_value: 200, runtime_key: k}}}
                          - duration_filter: {comparison: {op: GE, value: {default_value: 60000, runtime_key: slow}}}
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                    log_format: {text_format_source: {inline_string: "%%RESPONSE_CODE%% %%REQ(:PATH)%%\\n"}}
                """.formatted(log, dir.resolve("errors.log"))));
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        silent.close();
    }

    private List<JsonNode> lines() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        if (Files.exists(log)) {
            for (String l : Files.readAllLines(log)) {
                out.add(JSON.readTree(l));
            }
        }
        return out;
    }

    @Test
    void aRequestTheDecoderRefusesIsLoggedWithItsStatusAndCode() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 400");
        }

        await().atMost(BOUND).until(() -> lines().size() == 1);
        JsonNode line = lines().get(0);
        assertThat(line.get("response_code").asInt()).isEqualTo(400);
        assertThat(line.get("response_flags").asText()).isEqualTo("bad_request");
        assertThat(line.get("method").isNull()).isTrue();
        assertThat(line.get("bytes_sent").asLong()).isPositive();
        assertThat(line.get("downstream_remote_address").asText()).startsWith("127.0.0.1:");
        // the writer counts a line after writing it
        await().atMost(BOUND).untilAsserted(() -> assertThat(proxy.stat("access_log.written")).isEqualTo(1));
    }

    @Test
    void aClientThatGoesAwayBeforeItsAnswerIsLoggedAsSuch() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            s.getOutputStream().write("GET /hang HTTP/1.1\r\nhost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            try (Socket accepted = silent.accept()) {
                // the request reached the upstream; the client leaves before any answer
                s.close();
                await().atMost(BOUND).until(() -> lines().size() == 1);
            }
        }
        JsonNode line = lines().get(0);
        assertThat(line.get("path").asText()).isEqualTo("/hang");
        assertThat(line.get("response_code").asInt()).isZero();
        assertThat(line.get("response_code_details").asText()).isEqualTo("downstream_remote_disconnect");
        assertThat(line.get("upstream_host").asText()).isEqualTo("127.0.0.1:" + silent.getLocalPort());
    }

    @Test
    void wellFormedRequestsAreLoggedOnceEach() throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        for (int i = 0; i < 20; i++) {
            assertThat(client.send(java.net.http.HttpRequest.newBuilder(proxy.uri("/n/" + i)).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        }
        await().atMost(BOUND).until(() -> lines().size() == 20);
        assertThat(lines()).extracting(n -> n.get("path").asText())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "/n/" + i).toList());
        assertThat(proxy.stat("access_log.dropped")).isZero();
    }

    @Test
    void aFilteredLogGetsOnlyTheExchangesItsFilterWants() throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        for (String path : List.of("/ok/1", "/fail/1", "/ok/2", "/fail/2")) {
            client.send(java.net.http.HttpRequest.newBuilder(proxy.uri(path)).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
        }
        await().atMost(BOUND).until(() -> lines().size() == 4);
        // the unfiltered log has all four; "errors" has the 5xx (no 200 took a minute)
        await().atMost(BOUND).until(() -> Files.exists(dir.resolve("errors.log"))
                && Files.readAllLines(dir.resolve("errors.log")).size() == 2);
        assertThat(Files.readAllLines(dir.resolve("errors.log"))).containsExactly("503 /fail/1", "503 /fail/2");
    }
}
