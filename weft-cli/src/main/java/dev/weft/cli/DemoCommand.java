package dev.weft.cli;

import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.testkit.Durations;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft demo}: a local mesh in one process — simulated model servers of two versions, a
 * Weft proxy splitting traffic 90/10 between them, and a client driving chat completions through
 * it, with a report every second.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the local demo: model servers v1 and v2 behind a Weft proxy with a 90/10 split, and traffic.")
final class DemoCommand implements Callable<Integer> {
    private static final String MODEL = "llama-3-8b";

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "0s",
            description = "How long to run (e.g. 30s, 2m); 0s runs until Ctrl-C. Default: ${DEFAULT-VALUE}.")
    private String duration;

    @Option(names = "--rate", paramLabel = "RPS", defaultValue = "20",
            description = "Requests per second the demo client sends. Default: ${DEFAULT-VALUE}.")
    private int rate;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "10000",
            description = "Port of the proxy's listener (0 picks a free one). Default: ${DEFAULT-VALUE}.")
    private int port;

    @Option(names = "--admin-port", paramLabel = "PORT", defaultValue = "9901",
            description = "Port of the proxy's admin listener (0 picks a free one). Default: ${DEFAULT-VALUE}.")
    private int adminPort;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Duration runFor;
        try {
            runFor = Durations.parse(duration);
        } catch (IllegalArgumentException e) {
            err.println("weft demo: --duration: " + e.getMessage());
            return 2;
        }
        if (rate < 1 || rate > 10_000) {
            err.println("weft demo: --rate: " + rate + " (expected: 1 to 10000)");
            return 2;
        }
        if (port < 0 || port > 65535 || adminPort < 0 || adminPort > 65535) {
            err.println("weft demo: --port/--admin-port: expected 0 to 65535");
            return 2;
        }

        List<ModelServer> servers = new ArrayList<>();
        ProxyServer proxy = null;
        ScheduledExecutorService ticker = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "weft-demo");
            t.setDaemon(true);
            return t;
        });
        try {
            ModelServerConfig base = ModelServerConfig.builder()
                    .model(MODEL).timeToFirstToken(Duration.ofMillis(40)).tokensPerSecond(400).responseTokens(16).build();
            servers.add(ModelServer.start(base.toBuilder().version("v1").instanceId("v1-a").build(), 0));
            servers.add(ModelServer.start(base.toBuilder().version("v1").instanceId("v1-b").build(), 0));
            servers.add(ModelServer.start(base.toBuilder().version("v2").instanceId("v2-a")
                    .timeToFirstToken(Duration.ofMillis(25)).tokensPerSecond(600).build(), 0));

            String yaml = bootstrap(port, adminPort, servers.get(0).port(), servers.get(1).port(), servers.get(2).port());
            ProxySnapshot snapshot = BootstrapLoader.parse(yaml, "demo-bootstrap.yaml");
            proxy = ProxyServer.start(snapshot, 2);
            int listenPort = proxy.port("demo");
            out.printf("Weft demo: model servers v1 on %d and %d, v2 on %d; proxy on http://127.0.0.1:%d (admin http://127.0.0.1:%d)%n",
                    servers.get(0).port(), servers.get(1).port(), servers.get(2).port(), listenPort, proxy.adminPort());
            out.printf("Route: 90%% to version v1, 10%% to v2. Try: curl -s http://127.0.0.1:%d/v1/chat/completions "
                    + "-H 'content-type: application/json' -d '{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'%n",
                    listenPort, MODEL);
            out.printf("Sending %d requests/s (every 4th streamed)%s.%n%n", rate,
                    runFor.isZero() ? " until Ctrl-C" : " for " + runFor.toSeconds() + "s");
            out.flush();
            runTraffic(out, ticker, URI.create("http://127.0.0.1:" + listenPort + "/v1/chat/completions"), runFor);
            return 0;
        } catch (ConfigException e) {
            err.println("weft demo: internal bootstrap rejected: " + e.getMessage());
            return 1;
        } finally {
            ticker.shutdownNow();
            if (proxy != null) {
                proxy.close();
                proxy.stopped().get(10, TimeUnit.SECONDS);
            }
            servers.forEach(ModelServer::close);
        }
    }

    private void runTraffic(PrintWriter out, ScheduledExecutorService ticker, URI target, Duration runFor) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        Recorder interval = new Recorder(3);
        Histogram total = new Histogram(3);
        Map<String, LongAdder> byVersion = new ConcurrentHashMap<>();
        Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
        AtomicLong sent = new AtomicLong();
        AtomicLong outstanding = new AtomicLong();
        LongAdder failed = new LongAdder();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        ticker.scheduleAtFixedRate(() -> {
            long n = sent.incrementAndGet();
            boolean stream = n % 4 == 0;
            String body = "{\"model\":\"" + MODEL + "\",\"stream\":" + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say something about meshes, request " + n + "\"}]}";
            HttpRequest req = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            long start = System.nanoTime();
            outstanding.incrementAndGet();
            client.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((resp, ex) -> {
                outstanding.decrementAndGet();
                long micros = Math.max(1, TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start));
                interval.recordValue(micros);
                if (ex != null) {
                    failed.increment();
                    return;
                }
                byStatus.computeIfAbsent(resp.statusCode(), k -> new LongAdder()).increment();
                byVersion.computeIfAbsent(resp.headers().firstValue("x-model-version").orElse("-"), k -> new LongAdder()).increment();
            });
        }, 0, periodNanos, TimeUnit.NANOSECONDS);

        long started = System.nanoTime();
        ticker.scheduleAtFixedRate(() -> {
            Histogram h = interval.getIntervalHistogram();
            total.add(h);
            out.printf("t=%3ds  sent=%-6d %s  %s  failed=%d  p50=%.1fms p99=%.1fms (last second)%n",
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), sent.get(),
                    counts("version", byVersion), counts("status", byStatus), failed.sum(),
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0);
            out.flush();
        }, 1, 1, TimeUnit.SECONDS);

        if (runFor.isZero()) {
            stop.await();
        } else {
            stop.await(runFor.toMillis(), TimeUnit.MILLISECONDS);
        }
        ticker.shutdownNow();
        // let the requests already sent finish (each has a 10 s timeout) so the summary counts them
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(11);
        while (outstanding.get() > 0 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        total.add(interval.getIntervalHistogram());
        out.printf("%nSummary: sent=%d %s %s failed=%d latency p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms%n",
                sent.get(), counts("version", byVersion), counts("status", byStatus), failed.sum(),
                total.getValueAtPercentile(50) / 1000.0, total.getValueAtPercentile(90) / 1000.0,
                total.getValueAtPercentile(99) / 1000.0, total.getMaxValue() / 1000.0);
        out.flush();
    }

    private static <K> String counts(String label, Map<K, LongAdder> m) {
        StringBuilder sb = new StringBuilder(label).append("{");
        new TreeMap<>(m).forEach((k, v) -> sb.append(sb.charAt(sb.length() - 1) == '{' ? "" : " ").append(k).append('=').append(v.sum()));
        return sb.append('}').toString();
    }

    /** The demo's bootstrap: the same Envoy v3 YAML a user would write for `weft proxy`. */
    static String bootstrap(int port, int adminPort, int v1a, int v1b, int v2a) {
        return """
                admin:
                  address: {socket_address: {address: 127.0.0.1, port_value: %d}}
                static_resources:
                  listeners:
                  - name: demo
                    address: {socket_address: {address: 127.0.0.1, port_value: %d}}
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: demo
                          route_config:
                            name: models
                            virtual_hosts:
                            - name: models
                              domains: ["*"]
                              routes:
                              - match: {prefix: "/v1/"}
                                route:
                                  timeout: 30s
                                  retry_policy: {retry_on: "connect-failure,refused-stream,5xx", num_retries: 2}
                                  weighted_clusters:
                                    clusters:
                                    - {name: model-v1, weight: 90}
                                    - {name: model-v2, weight: 10}
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  clusters:
                  - name: model-v1
                    type: STATIC
                    connect_timeout: 1s
                    lb_policy: LEAST_REQUEST
                    load_assignment:
                      cluster_name: model-v1
                      endpoints:
                      - lb_endpoints:
                        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
                        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
                  - name: model-v2
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: model-v2
                      endpoints:
                      - lb_endpoints:
                        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
                """.formatted(adminPort, port, v1a, v1b, v2a);
    }
}
