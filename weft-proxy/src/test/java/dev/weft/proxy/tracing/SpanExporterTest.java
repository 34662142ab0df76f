package dev.weft.proxy.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.proxy.stats.Stats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Batching, the bounded queue, failures, and the HTTP post to a collector on a real loopback socket. */
class SpanExporterTest {

    @Test
    void batchesUpToMaxBatchAndFlushesTheRestOnTheInterval() {
        Stats stats = new Stats();
        List<Integer> reports = new CopyOnWriteArrayList<>();
        SpanExporter.Transport transport = (body, type) -> reports.add(readArray(body).size());
        try (SpanExporter exporter = new SpanExporter("zipkin", new ZipkinJson(), transport, "svc",
                new SpanExporter.Settings(100, 10, 200), stats)) {
            for (int i = 0; i < 25; i++) {
                assertThat(exporter.export(ExporterJsonTest.server())).isTrue();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> stats.value("tracing.zipkin.spans_sent") == 25);
        }
        assertThat(reports).hasSizeGreaterThanOrEqualTo(3).allMatch(n -> n <= 10);
        assertThat(stats.value("tracing.zipkin.reports_sent")).isEqualTo(reports.size());
    }

    @Test
    void aFullQueueDropsAndCounts() throws Exception {
        Stats stats = new Stats();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch posting = new CountDownLatch(1);
        SpanExporter.Transport stuck = (body, type) -> {
            posting.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (SpanExporter exporter = new SpanExporter("otlp", new OtlpJson(), stuck, "svc",
                new SpanExporter.Settings(5, 1, 1000), stats)) {
            exporter.export(ExporterJsonTest.server());
            assertThat(posting.await(10, TimeUnit.SECONDS)).isTrue();
            // the thread is inside post(): the queue takes 5 more, then drops
            int accepted = 0;
            for (int i = 0; i < 8; i++) {
                accepted += exporter.export(ExporterJsonTest.server()) ? 1 : 0;
            }
            assertThat(accepted).isEqualTo(5);
            assertThat(stats.value("tracing.otlp.spans_dropped")).isEqualTo(3);
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> stats.value("tracing.otlp.spans_sent") == 6);
        }
    }

    @Test
    void aFailedReportIsCountedAndTheNextOneGoes() {
        Stats stats = new Stats();
        int[] calls = {0};
        SpanExporter.Transport flaky = (body, type) -> {
            if (calls[0]++ == 0) {
                throw new IOException("collector down");
            }
        };
        try (SpanExporter exporter = new SpanExporter("zipkin", new ZipkinJson(), flaky, "svc",
                new SpanExporter.Settings(10, 1, 50), stats)) {
            exporter.export(ExporterJsonTest.server());
            await().atMost(Duration.ofSeconds(10)).until(() -> stats.value("tracing.zipkin.reports_failed") == 1);
            exporter.export(ExporterJsonTest.server());
            await().atMost(Duration.ofSeconds(10)).until(() -> stats.value("tracing.zipkin.reports_sent") == 1);
        }
        assertThat(stats.value("tracing.zipkin.spans_failed")).isEqualTo(1);
        assertThat(stats.value("tracing.zipkin.spans_sent")).isEqualTo(1);
    }

    @Test
    void closeSendsWhatIsQueued() throws Exception {
        Stats stats = new Stats();
        List<Integer> reports = new CopyOnWriteArrayList<>();
        SpanExporter exporter = new SpanExporter("zipkin", new ZipkinJson(),
                (body, type) -> reports.add(readArray(body).size()), "svc", new SpanExporter.Settings(10, 5, 60_000), stats);
        exporter.export(ExporterJsonTest.server());
        exporter.export(ExporterJsonTest.server());

        assertThat(exporter.closeAndWait(Duration.ofSeconds(10))).isTrue();

        assertThat(reports).containsExactly(2);
        assertThat(exporter.export(ExporterJsonTest.server())).isFalse();
    }

    @Test
    void theThreadStartsWithTheFirstSpanEndsWhenIdleAndComesBack() throws Exception {
        Stats stats = new Stats();
        SpanExporter exporter = new SpanExporter("zipkin", new ZipkinJson(), (body, type) -> { }, "svc",
                new SpanExporter.Settings(10, 1, 50, 200), stats);
        try {
            assertThat(exporter.running()).isFalse();
            exporter.export(ExporterJsonTest.server());
            assertThat(exporter.running()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> stats.value("tracing.zipkin.spans_sent") == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> !exporter.running());

            exporter.export(ExporterJsonTest.server());

            await().atMost(Duration.ofSeconds(10)).until(() -> stats.value("tracing.zipkin.spans_sent") == 2);
        } finally {
            assertThat(exporter.closeAndWait(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void httpCollectorPostsTheReportWithHostAndContentType() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            CountDownLatch done = new CountDownLatch(1);
            String[] request = new String[1];
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    request[0] = readRequest(s.getInputStream());
                    s.getOutputStream().write("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    request[0] = e.toString();
                }
                done.countDown();
            });
            t.start();
            HttpCollector collector = new HttpCollector(() -> (InetSocketAddress) server.getLocalSocketAddress(),
                    "/api/v2/spans", "zipkin", 5000);

            collector.post("[]".getBytes(StandardCharsets.UTF_8), "application/json");

            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(request[0]).startsWith("POST /api/v2/spans HTTP/1.1\r\n")
                    .contains("\r\nHost: zipkin\r\n", "\r\nContent-Type: application/json\r\n",
                            "\r\nContent-Length: 2\r\n")
                    .endsWith("\r\n\r\n[]");
        }
    }

    @Test
    void httpCollectorFailsOnANon2xxAndOnNoEndpoint() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    readRequest(s.getInputStream());
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException ignored) {
                    // the assertion below is what matters
                }
            });
            t.start();
            HttpCollector collector = new HttpCollector(() -> (InetSocketAddress) server.getLocalSocketAddress(),
                    "/v1/traces", "otel", 5000);

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> collector.post(new byte[] {'{', '}'}, "application/json"))
                    .isInstanceOf(IOException.class).hasMessageContaining("answered 400");
            t.join(10_000);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new HttpCollector(() -> null, "/", "h", 100)
                .post(new byte[0], "application/json")).hasMessageContaining("no endpoint");
    }

    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int length = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            out.write(c);
            String s = out.toString(StandardCharsets.US_ASCII);
            int end = s.indexOf("\r\n\r\n");
            if (end >= 0 && length < 0) {
                int at = s.indexOf("Content-Length: ");
                length = Integer.parseInt(s.substring(at + 16, s.indexOf("\r\n", at)));
            }
            if (end >= 0 && out.size() == end + 4 + length) {
                break;
            }
        }
        return out.toString(StandardCharsets.US_ASCII);
    }

    private static JsonNode readArray(byte[] body) {
        try {
            return new ObjectMapper().readTree(body);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
