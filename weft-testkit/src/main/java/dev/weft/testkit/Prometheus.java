package dev.weft.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Prometheus server (the Debian package's {@code /usr/bin/prometheus}) for a test: its own
 * configuration and TSDB in a work directory, the web API on a free loopback port, scraping the given targets
 * every {@code scrapeInterval}. Queries go through its HTTP API ({@code /api/v1/query}). Tests check
 * {@link #available()} first (CI installs the package, see {@code .ci/run}).
 */
public final class Prometheus implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/prometheus");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final int START_ATTEMPTS = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int port;
    private final ManagedProcess process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Prometheus(int port, ManagedProcess process) {
        this.port = port;
        this.process = process;
    }

    /** Whether the prometheus binary is installed. */
    public static boolean available() {
        return Processes.executableExists(BINARY);
    }

    /**
     * Starts Prometheus scraping {@code targets} ("host:port") at {@code metricsPath} every {@code scrapeInterval}
     * (job "weft"), and returns once its API answers ready.
     */
    public static Prometheus start(Path workDir, List<String> targets, String metricsPath, Duration scrapeInterval) {
        if (!available()) {
            throw new IllegalStateException("prometheus is not installed at " + BINARY
                    + " (Debian package prometheus; .ci/run installs it)");
        }
        IllegalStateException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            int port = Ports.findFree();
            Path config = writeConfig(workDir, targets, metricsPath, scrapeInterval);
            Path data = workDir.resolve("data-" + attempt);
            ManagedProcess process = Processes.start(workDir, workDir.resolve("prometheus-" + attempt + ".out"), List.of(
                    BINARY.toString(),
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + data,
                    "--web.listen-address=127.0.0.1:" + port,
                    "--log.level=warn"));
            Prometheus p = new Prometheus(port, process);
            try {
                p.awaitReady();
                return p;
            } catch (IllegalStateException e) {
                process.close();
                last = e;
                if (!e.getMessage().contains("address already in use")) {
                    throw e;
                }
            }
        }
        throw last;
    }

    private static Path writeConfig(Path workDir, List<String> targets, String metricsPath, Duration interval) {
        StringBuilder t = new StringBuilder();
        for (String target : targets) {
            t.append(t.length() == 0 ? "" : ", ").append('"').append(target).append('"');
        }
        String yaml = """
                global:
                  scrape_interval: %1$dms
                  evaluation_interval: %1$dms
                scrape_configs:
                  - job_name: weft
                    scrape_interval: %1$dms
                    scrape_timeout: %1$dms
                    metrics_path: %2$s
                    static_configs:
                      - targets: [%3$s]
                """.formatted(interval.toMillis(), metricsPath, t);
        try {
            Files.createDirectories(workDir);
            Path config = workDir.resolve("prometheus.yml");
            Files.writeString(config, yaml, StandardCharsets.UTF_8);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Prometheus configuration in " + workDir, e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited: " + process.describe() + "\n" + process.output());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/-/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for prometheus", e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("prometheus not ready after " + START_TIMEOUT + ":\n" + process.output());
            }
            try {
                process.process().waitFor(50, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for prometheus", e);
            }
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * Runs an instant PromQL query and returns {@code data.result} (an array of {@code {metric, value}}).
     *
     * @throws IllegalStateException when the API says the query failed
     */
    public JsonNode query(String promql) {
        JsonNode body = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        if (!"success".equals(body.path("status").asText())) {
            throw new IllegalStateException("query " + promql + " failed: " + body);
        }
        return body.path("data").path("result");
    }

    /** The single value of an instant query's only series, NaN when the result is empty. */
    public double queryValue(String promql) {
        JsonNode result = query(promql);
        if (result.size() == 0) {
            return Double.NaN;
        }
        if (result.size() > 1) {
            throw new IllegalStateException("query " + promql + " returned " + result.size() + " series: " + result);
        }
        return Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    /** The scrape targets as the API lists them ({@code data.activeTargets}). */
    public JsonNode targets() {
        return get("/api/v1/targets").path("data").path("activeTargets");
    }

    private JsonNode get(String pathAndQuery) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + pathAndQuery))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + pathAndQuery + " from prometheus: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** What Prometheus has logged. */
    public String output() {
        return process.output();
    }

    @Override
    public void close() {
        process.close();
    }
}
