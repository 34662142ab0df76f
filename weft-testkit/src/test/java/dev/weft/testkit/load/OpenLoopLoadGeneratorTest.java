package dev.weft.testkit.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import dev.weft.testkit.Ports;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link OpenLoopLoadGenerator}: it keeps its rate, measures from intended times, and counts failures. */
class OpenLoopLoadGeneratorTest {

    private static ModelServer server;

    @BeforeAll
    static void start() {
        server = ModelServer.start(ModelServerConfig.builder().instanceId("load").build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void sendsRateTimesDurationRequestsAndAllComplete() throws Exception {
        // given
        // a modest rate: on a machine busy with other builds a faster one left requests unfinished after the drain
        LoadSpec spec = LoadSpec.get(server.uri("/health"), 4, 250, Duration.ofSeconds(2));

        // when
        LoadResult result = OpenLoopLoadGenerator.run(spec);

        // then
        assertThat(result.sent()).isBetween(495L, 505L);
        assertThat(result.completed()).isEqualTo(result.sent());
        assertThat(result.errors()).isZero();
        assertThat(result.statusCounts()).containsExactly(Map.entry(200, result.sent()));
        assertThat(result.latencyMicros().getTotalCount()).isEqualTo(result.completed());
        assertThat(result.measured()).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(2).plus(OpenLoopLoadGenerator.MAX_DRAIN));
        assertThat(result.achievedRatePerSecond())
                .isCloseTo(result.completed() / (result.measured().toNanos() / 1e9), within(0.001));
    }

    @Test
    void warmupRequestsAreSentButNotRecordedNorAreThePrimingRequestsOfEachConnection() throws Exception {
        // given
        long before = server.requestCount("/status/{code}");
        LoadSpec spec = LoadSpec.get(server.uri("/status/204"), 2, 500, Duration.ofSeconds(1))
                .withWarmup(Duration.ofSeconds(1));

        // when
        LoadResult result = OpenLoopLoadGenerator.run(spec);

        // then
        assertThat(result.sent()).isEqualTo(500);
        assertThat(result.statusCounts()).containsExactly(Map.entry(204, 500L));
        assertThat(server.requestCount("/status/{code}") - before).isEqualTo(1000 + 2);
    }

    @Test
    void latencyIncludesTheServersDelay() throws Exception {
        // given
        LoadSpec spec = LoadSpec.get(server.uri("/delay/50"), 16, 100, Duration.ofSeconds(2));

        // when
        LoadResult result = OpenLoopLoadGenerator.run(spec);

        // then
        assertThat(result.errors()).isZero();
        // the upper bound only rules out gross mistakes (a second counted twice, say): a loaded CI machine can
        // queue a 50 ms answer for hundreds of milliseconds (459 ms seen with five builds on two cores)
        assertThat(result.percentileMillis(50)).isBetween(50.0, 1_000.0);
        assertThat(result.latencyMicros().getMinValue()).isGreaterThanOrEqualTo(50_000);
    }

    @Test
    void requestsIntendedDuringAStallCountTheirWait() throws Exception {
        // given a server on one connection that holds the 100th response for 500 ms (the first one primes)
        AtomicInteger requests = new AtomicInteger();
        CountDownLatch neverReleased = new CountDownLatch(1);
        HttpServer stalling = httpServer(exchange -> {
            if (requests.incrementAndGet() == 100) {
                await(neverReleased, 500);
            }
        });
        try {
            LoadSpec spec = LoadSpec.get(uri(stalling, "/"), 1, 200, Duration.ofSeconds(2));

            // when
            LoadResult result = OpenLoopLoadGenerator.run(spec);

            // then every request intended during the stall waited behind it: about 100 of 400 requests,
            // with latencies from 500 ms down to nothing, so far more than 1% took over 400 ms; timed
            // from when they were sent, only the stalled one would have
            assertThat(result.completed()).isEqualTo(result.sent()).isBetween(396L, 404L);
            assertThat(result.latencyMicros().getMaxValue()).isGreaterThanOrEqualTo(500_000);
            assertThat(result.percentileMillis(99)).isGreaterThanOrEqualTo(400);
            assertThat(result.percentileMillis(90)).isGreaterThanOrEqualTo(200);
        } finally {
            stalling.stop(0);
        }
    }

    @Test
    void everyRequestIsAnErrorWhenTheServerIsDown() throws Exception {
        // given
        LoadSpec spec = LoadSpec.get(URI.create("http://127.0.0.1:" + Ports.findFree() + "/"), 4, 200,
                Duration.ofSeconds(1));
        long startedAt = System.nanoTime();

        // when
        LoadResult result = OpenLoopLoadGenerator.run(spec);

        // then
        assertThat(result.sent()).isEqualTo(200);
        assertThat(result.completed()).isZero();
        assertThat(result.errors()).isEqualTo(200);
        assertThat(result.statusCounts()).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - startedAt)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void sendsTheMethodBodyAndHeaders() throws Exception {
        // given
        List<String> seen = new CopyOnWriteArrayList<>();
        HttpServer recording = httpServer(exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                        + exchange.getRequestHeaders().getFirst("x-test") + " "
                        + exchange.getRequestHeaders().getFirst("content-type") + " "
                        + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        });
        try {
            LoadSpec spec = LoadSpec.get(uri(recording, "/v1/x?q=1"), 1, 50, Duration.ofMillis(200))
                    .withBody("POST", "{\"a\":1}".getBytes(StandardCharsets.UTF_8), "application/json")
                    .withHeader("x-test", "yes");

            // when
            LoadResult result = OpenLoopLoadGenerator.run(spec);

            // then
            assertThat(result.completed()).isEqualTo(10);
            assertThat(seen).hasSize(10 + 1).containsOnly("POST /v1/x?q=1 yes application/json {\"a\":1}");
        } finally {
            recording.stop(0);
        }
    }

    @Test
    void leavesNoThreadRunning() throws Exception {
        // when
        OpenLoopLoadGenerator.run(LoadSpec.get(server.uri("/health"), 8, 100, Duration.ofMillis(200)), 4);

        // then
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(thread -> thread.getName().startsWith("weft-load") && thread.isAlive());
    }

    /** The part of a handler that runs before the empty 200 response. */
    private interface Before {
        void handle(com.sun.net.httpserver.HttpExchange exchange) throws IOException;
    }

    private static HttpServer httpServer(Before before) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            before.handle(exchange);
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        return http;
    }

    private static URI uri(HttpServer http, String path) {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + path);
    }

    private static void await(CountDownLatch latch, long millis) {
        try {
            latch.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
