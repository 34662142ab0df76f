package dev.weft.controlplane.stats;

import dev.weft.controlplane.xds.ProxyStatus;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers the metrics of every connected proxy that reported an admin address ({@code weft.admin_address}): every
 * interval, one round of {@code GET http://<admin>/stats/prometheus} to all of them at once (each bounded by a
 * timeout), parsed and reduced ({@link ProxyMetrics}) into one tick of {@link MeshStats}. Runs on its own thread,
 * so a slow proxy delays nothing but the next round; what each proxy last answered (or why it did not) is kept for
 * the views.
 */
public final class MetricsScraper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsScraper.class);
    /** A proxy's exposition larger than this is refused rather than read into memory. */
    static final int MAX_BYTES = 16 * 1024 * 1024;

    /** How the last scrape of one proxy went: when it answered last, and the error of the last round (or null). */
    public record ScrapeStatus(Instant lastSuccess, String error) {
    }

    private final Supplier<List<ProxyStatus>> proxies;
    private final MeshStats stats;
    private final Duration interval;
    private final Clock clock;
    private final HttpClient http;
    private final ScheduledExecutorService executor;
    private final Map<String, ScrapeStatus> status = new ConcurrentHashMap<>();

    /**
     * @param proxies  the connected proxies, read at each round
     * @param interval time between rounds; a round's requests time out after the interval (at most 10 s)
     */
    public MetricsScraper(Supplier<List<ProxyStatus>> proxies, MeshStats stats, Duration interval, Clock clock) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
        }
        this.proxies = proxies;
        this.stats = stats;
        this.interval = interval;
        this.clock = clock;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "weft-metrics-scraper");
            thread.setDaemon(true);
            return thread;
        });
        // the client's own (cached) threads complete the responses: the scraper thread waits for them
        this.http = HttpClient.newBuilder().connectTimeout(timeout()).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** Starts the rounds: the first at once, then every interval. */
    public MetricsScraper start() {
        executor.scheduleWithFixedDelay(this::round, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
        return this;
    }

    public MeshStats stats() {
        return stats;
    }

    public Duration interval() {
        return interval;
    }

    /** How the last round went for each proxy scraped, by node id. */
    public Map<String, ScrapeStatus> status() {
        return Map.copyOf(status);
    }

    /** One round, now, on the calling thread (tests drive rounds this way). */
    public void round() {
        try {
            Instant at = clock.instant();
            Map<String, CompletableFuture<ProxyMetrics>> pending = new HashMap<>();
            for (ProxyStatus proxy : proxies.get()) {
                if (proxy.adminAddress() != null) {
                    pending.put(proxy.id(), scrape(proxy.adminAddress()));
                }
            }
            Map<String, ProxyMetrics> answered = new HashMap<>();
            long deadline = System.nanoTime() + timeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
            for (Map.Entry<String, CompletableFuture<ProxyMetrics>> e : pending.entrySet()) {
                String id = e.getKey();
                try {
                    answered.put(id, e.getValue().get(Math.max(0, deadline - System.nanoTime()),
                            TimeUnit.NANOSECONDS));
                    status.put(id, new ScrapeStatus(at, null));
                } catch (ExecutionException | TimeoutException ex) {
                    e.getValue().cancel(true);
                    Throwable cause = ex instanceof ExecutionException ? ex.getCause() : ex;
                    if (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
                        cause = cause.getCause();
                    }
                    String error = cause instanceof TimeoutException ? "timed out"
                            : cause instanceof ScrapeException || cause.getMessage() == null ? describe(cause)
                            : cause.getClass().getSimpleName() + ": " + cause.getMessage();
                    ScrapeStatus before = status.get(id);
                    status.put(id, new ScrapeStatus(before == null ? null : before.lastSuccess(), error));
                    LOG.debug("metrics of proxy {} not scraped: {}", id, error);
                }
            }
            status.keySet().retainAll(pending.keySet());
            stats.record(at, answered);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("metrics round failed", e);
        }
    }

    private CompletableFuture<ProxyMetrics> scrape(String adminAddress) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + adminAddress + "/stats/prometheus"))
                .timeout(timeout()).header("Accept", "text/plain;version=0.0.4").GET().build();
        try {
            return http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
                    .thenApply(MetricsScraper::read);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static ProxyMetrics read(HttpResponse<InputStream> response) {
        try (InputStream in = response.body()) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (response.statusCode() != 200) {
                throw new ScrapeException("HTTP " + response.statusCode() + " from " + response.uri());
            }
            if (bytes.length > MAX_BYTES) {
                throw new ScrapeException("exposition larger than " + MAX_BYTES + " bytes");
            }
            return ProxyMetrics.from(PrometheusText.parse(new String(bytes, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new ScrapeException(e.toString());
        } catch (IllegalArgumentException e) {
            throw new ScrapeException("unreadable exposition: " + e.getMessage());
        }
    }

    private static String describe(Throwable cause) {
        return cause instanceof ScrapeException ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    /** Why one proxy's scrape gave nothing, in words for the dashboard. */
    private static final class ScrapeException extends RuntimeException {
        ScrapeException(String message) {
            super(message, null, false, false);
        }
    }

    private Duration timeout() {
        return interval.compareTo(Duration.ofSeconds(10)) < 0 ? interval : Duration.ofSeconds(10);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
