package dev.weft.bench.peers;

import com.sun.net.httpserver.HttpServer;
import dev.weft.testkit.Durations;
import dev.weft.testkit.load.LoadResult;
import dev.weft.testkit.load.LoadSpec;
import dev.weft.testkit.load.OpenLoopLoadGenerator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code telemetry [--quick] [--repo DIR]}: what Weft's telemetry costs on one hop. Two one-hop Weft processes, each
 * pinned to the proxy core in front of the nginx upstream: one with every kind of telemetry off (no metrics, no
 * tracing, no access log) and one with all of it on as a sidecar runs it (request metrics, Zipkin tracing at
 * {@value #SAMPLING_PERCENT} % sampling to a collector in this process, a JSON access log line per request to a
 * file). In one run: p50/p99/p99.9 at 1,000 and 5,000 requests/s (HTTP/1.1, 16 connections, open loop), maximum
 * requests/s on the one core (wrk, 16 connections), CPU seconds per 1,000 requests at 5,000 requests/s; and, to
 * show the telemetry really ran, the access log's lines, the spans the collector received and the request count
 * the proxy's {@code /stats/prometheus} reports. Prints a Markdown table.
 */
public final class TelemetryBenchmark {

    private static final HopComparison RUN = new HopComparison("telemetry");

    static final double SAMPLING_PERCENT = 1.0;
    private static final List<Integer> RATES = List.of(1_000, 5_000);
    private static final int CPU_RATE = 5_000;
    /** The targets measured for latency; each kind of telemetry alone is measured for throughput and CPU only. */
    private static final List<String> LATENCY_TARGETS = List.of(Target.DIRECT, Target.WEFT_TELEMETRY_OFF,
            Target.WEFT_TELEMETRY_ON);

    private TelemetryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        HopComparison.Options options = RUN.parse(args);
        Path repo = options.repo();
        Duration phase = options.phase();
        Duration warmup = options.warmup();
        boolean pin = Runtime.getRuntime().availableProcessors() >= 2;
        Path work = Files.createTempDirectory("weft-telemetry-bench-");
        progress("work directory " + work);
        Path accessLog = work.resolve("access.log"); // the all-on target's, named by Fleet.startTelemetry
        String loadBefore = Machine.loadAverage();
        StringBuilder report = new StringBuilder();
        try (Collector collector = Collector.start();
             Collector tracingOnly = Collector.start();
             Fleet fleet = Fleet.startTelemetry(repo, work, pin, collector.port(), tracingOnly.port(), SAMPLING_PERCENT)) {
            for (Target target : fleet.targets()) {
                progress("warm-up " + target.name() + " (wrk " + Durations.format(warmup.multipliedBy(2)) + ")");
                LoadTools.wrk(target.http1(), PeersOptions.CONNECTIONS, warmup.multipliedBy(2));
            }
            Map<Integer, Map<String, double[]>> latency = new LinkedHashMap<>();
            for (int rate : RATES) {
                for (Target target : fleet.targets()) {
                    if (!LATENCY_TARGETS.contains(target.name())) {
                        continue;
                    }
                    latency.computeIfAbsent(rate, r -> new LinkedHashMap<>())
                            .put(target.name(), RUN.openLoop(target, rate, phase, warmup));
                }
            }
            Map<String, Double> throughput = new LinkedHashMap<>();
            Map<String, Double> cpuPerThousand = new LinkedHashMap<>();
            for (Target target : fleet.targets()) {
                if (!target.isProxy()) {
                    continue;
                }
                LoadTools.WrkResult max = LoadTools.wrk(target.http1(), PeersOptions.CONNECTIONS, phase);
                throughput.put(target.name(), max.requestsPerSecond());
                progress(String.format(Locale.ROOT, "max %s: %.0f requests/s%s", target.name(), max.requestsPerSecond(),
                        max.problems().isEmpty() ? "" : " (" + max.problems() + ")"));
                double before = ProcessMetrics.cpuSeconds(target.pids());
                LoadResult load = OpenLoopLoadGenerator.run(
                        LoadSpec.get(target.http1(), PeersOptions.CONNECTIONS, CPU_RATE, phase));
                double cpu = ProcessMetrics.cpuSeconds(target.pids()) - before;
                cpuPerThousand.put(target.name(), cpu / load.completed() * 1000);
                progress(String.format(Locale.ROOT, "CPU %s: %.3f s per 1k requests", target.name(),
                        cpuPerThousand.get(target.name())));
            }
            long promRequests = prometheusRequests(fleet.telemetryAdminPort());
            long logLines = awaitLines(accessLog, promRequests, Duration.ofSeconds(10));
            report.append(markdown(latency, throughput, cpuPerThousand, phase, logLines, collector.spans.get(),
                    collector.posts.get(), promRequests, Machine.describe(fleet.target(Target.WEFT_TELEMETRY_ON).pids().get(0)),
                    loadBefore));
        }
        System.out.println(report);
        HopComparison.deleteTree(work);
    }

    /** The sum of weft_requests_total over its series at the proxy's admin /stats/prometheus. */
    private static long prometheusRequests(int adminPort) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + adminPort + "/stats/prometheus")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("/stats/prometheus answered " + response.statusCode());
        }
        double sum = 0;
        for (String line : response.body().split("\n")) {
            if (line.startsWith("weft_requests_total{") || line.startsWith("weft_requests_total ")) {
                String value = line.substring(line.lastIndexOf(' ') + 1);
                sum += Double.parseDouble(value);
            }
        }
        return (long) sum;
    }

    /** The access log's line count once it has at least {@code expected} lines (it is written behind the requests). */
    private static long awaitLines(Path log, long expected, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lines = 0;
        while (System.nanoTime() - deadline < 0) {
            try (var stream = Files.lines(log, StandardCharsets.UTF_8)) {
                lines = stream.count();
            }
            if (lines >= expected) {
                return lines;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
        }
        return lines;
    }

    private static String markdown(Map<Integer, Map<String, double[]>> latency, Map<String, Double> throughput,
                                   Map<String, Double> cpu, Duration phase, long logLines, long spans, long posts,
                                   long promRequests, Machine machine, String loadBefore) {
        StringBuilder md = new StringBuilder();
        md.append("One Weft hop, all telemetry off against metrics + tracing at ")
                .append(String.format(Locale.ROOT, "%.0f", SAMPLING_PERCENT))
                .append(" % + JSON access log on, HTTP/1.1, 16 connections, open loop, ")
                .append(Durations.format(phase)).append(" per cell (ms; added = the proxy's figure minus direct's):\n\n");
        HopComparison.latencyTable(md, latency, Target.WEFT_TELEMETRY_OFF, Target.WEFT_TELEMETRY_ON, "telemetry cost");
        double offMax = throughput.get(Target.WEFT_TELEMETRY_OFF);
        double offCpu = cpu.get(Target.WEFT_TELEMETRY_OFF);
        md.append(String.format(Locale.ROOT, "%nEach kind of telemetry alone and all together: maximum requests/s on the "
                + "one core (wrk, 16 connections, %s) and CPU seconds per 1,000 requests at %,d requests/s:%n%n",
                Durations.format(phase), CPU_RATE));
        md.append("| target | max requests/s | of off | CPU s per 1k | added CPU |\n|---|---:|---:|---:|---:|\n");
        for (var e : throughput.entrySet()) {
            double c = cpu.get(e.getKey());
            md.append(String.format(Locale.ROOT, "| %s | %,.0f | %.1f %% | %.3f | %+.3f |%n", e.getKey(), e.getValue(),
                    e.getValue() / offMax * 100, c, c - offCpu));
        }
        md.append("\n");
        md.append(String.format(Locale.ROOT, "The telemetry that ran: %,d requests in weft_requests_total, %,d access log "
                        + "lines, %,d spans in %,d batches at the collector (%.2f %% of the requests; a sampled request "
                        + "makes a server and a client span).%n%n",
                promRequests, logLines, spans, posts, promRequests == 0 ? 0 : spans * 100.0 / promRequests));
        md.append(HopComparison.machineLine(machine, loadBefore));
        return md.toString();
    }

    /** A Zipkin-compatible span sink on loopback: accepts {@code POST /api/v2/spans} and counts what arrives. */
    private static final class Collector implements AutoCloseable {
        private final HttpServer server;
        final AtomicLong spans = new AtomicLong();
        final AtomicLong posts = new AtomicLong();

        private Collector(HttpServer server) {
            this.server = server;
        }

        static Collector start() throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            Collector collector = new Collector(server);
            server.createContext("/api/v2/spans", ex -> {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                collector.posts.incrementAndGet();
                int n = 0;
                for (int i = body.indexOf("\"traceId\""); i >= 0; i = body.indexOf("\"traceId\"", i + 1)) {
                    n++;
                }
                collector.spans.addAndGet(n);
                ex.sendResponseHeaders(202, -1);
                ex.close();
            });
            server.start();
            return collector;
        }

        int port() {
            return server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static void progress(String message) {
        RUN.progress(message);
    }
}
