package dev.weft.cli.mesh;

import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Continuous traffic from an app through its sidecar's outbound port, as an app with {@code HTTP_PROXY} set sends
 * it: a few closed-loop workers, every response counted by the {@code x-model-version} that answered, every
 * failure (a status other than 200, or no response) kept with its reason.
 */
final class TrafficLoop implements AutoCloseable {
    private final HttpClient client;
    private final URI target;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> workers = new ArrayList<>();
    private final Map<String, LongAdder> byVersion = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicLong sent = new AtomicLong();
    /** Requests each worker has finished, so a caller can wait until none is still on a request from before. */
    private final AtomicLongArray finished;

    TrafficLoop(int outboundPort, String url, int concurrency) {
        this.client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", outboundPort)))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        this.target = URI.create(url);
        this.finished = new AtomicLongArray(concurrency);
        for (int i = 0; i < concurrency; i++) {
            int worker = i;
            Thread t = new Thread(() -> run(worker), "traffic-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    private void run(int worker) {
        HttpRequest request = HttpRequest.newBuilder(target)
                .timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"chat-sim\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
        while (running.get()) {
            sent.incrementAndGet();
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    failures.add(response.statusCode() + " " + response.headers().firstValue("x-weft-error").orElse("")
                            + " " + response.body());
                } else {
                    String version = response.headers().firstValue("x-model-version").orElse("?");
                    byVersion.computeIfAbsent(version, v -> new LongAdder()).increment();
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                failures.add(e.toString());
            }
            finished.incrementAndGet(worker);
        }
    }

    /** Responses per version since the last reset. */
    Map<String, Long> counts() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        byVersion.forEach((v, n) -> counts.put(v, n.sum()));
        return counts;
    }

    long total() {
        return byVersion.values().stream().mapToLong(LongAdder::sum).sum();
    }

    long count(String version) {
        LongAdder n = byVersion.get(version);
        return n == null ? 0 : n.sum();
    }

    /**
     * Waits until every worker has finished a request it started after this call (so no answer counted from now
     * on was routed by a config older than the caller's), then starts counting versions afresh.
     */
    void countFromNow(Duration bound) {
        long[] before = new long[finished.length()];
        for (int i = 0; i < before.length; i++) {
            before[i] = finished.get(i);
        }
        await().atMost(bound).until(() -> {
            for (int i = 0; i < before.length; i++) {
                // the first one finished may have started before: wait for the second
                if (finished.get(i) < before[i] + 2) {
                    return false;
                }
            }
            return true;
        });
        resetCounts();
    }

    /** Starts counting versions afresh (failures are kept for the whole run). */
    private void resetCounts() {
        byVersion.clear();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : workers) {
            t.join(15_000);
        }
    }
}
