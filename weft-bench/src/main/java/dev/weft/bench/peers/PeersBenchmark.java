package dev.weft.bench.peers;

import dev.weft.bench.peers.PeerResults.Latency;
import dev.weft.bench.peers.PeerResults.Resources;
import dev.weft.testkit.Durations;
import dev.weft.testkit.load.LoadResult;
import dev.weft.testkit.load.LoadSpec;
import dev.weft.testkit.load.OpenLoopLoadGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The end-to-end benchmark of Weft's proxy beside nginx and HAProxy: starts them on loopback, runs
 * every phase against each of them and against the upstream directly in the same run, prints the
 * tables and writes the generated region of docs/benchmarks.md with its plots.
 */
public final class PeersBenchmark {

    private static final List<String> PROXIES =
            List.of(Target.NGINX, Target.HAPROXY, Target.WEFT, Target.WEFT_TWO_HOPS, Target.WEFT_TWO_HOPS_MTLS);
    /** The latency-against-load curve compares single hops only. */
    private static final List<String> CURVE_TARGETS =
            List.of(Target.DIRECT, Target.NGINX, Target.HAPROXY, Target.WEFT);

    private final PeersOptions options;
    private final Fleet fleet;
    private final PeerResults results = new PeerResults();
    private final long started = System.nanoTime();
    private final Set<String> reportedExits = new HashSet<>();

    private PeersBenchmark(PeersOptions options, Fleet fleet) {
        this.options = options;
        this.fleet = fleet;
    }

    /** {@code peers [--quick] [--soak 10m|0] [--repo DIR] [--no-docs]}. */
    public static void main(String[] args) throws Exception {
        PeersOptions options;
        try {
            options = PeersOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        boolean pin = Runtime.getRuntime().exec(new String[] {"nproc", "--all"}).onExit()
                .thenApply(PeersBenchmark::readInt).get(10, TimeUnit.SECONDS) >= 2;
        Path work = Files.createTempDirectory("weft-bench-");
        progress("work directory " + work + (pin ? "; proxies pinned to core " + Fleet.PROXY_CORE : "; one core: nothing pinned"));
        MeshCertificates certificates = MeshCertificates.issue(work);
        boolean keepWork;
        try (SseServer sse = new SseServer(options.sseEvents());
             GrpcUpstream grpc = GrpcUpstream.start();
             Fleet fleet = Fleet.start(options.repo(), work, sse.port(), grpc.port(), certificates, pin)) {
            Thread stopOnInterrupt = new Thread(fleet::close, "stop-peers");
            Runtime.getRuntime().addShutdownHook(stopOnInterrupt);
            PeerResults results = new PeersBenchmark(options, fleet).runAll();
            keepWork = !fleet.exited().isEmpty();
            Runtime.getRuntime().removeShutdownHook(stopOnInterrupt);
            PeerReport report = new PeerReport(options, results);
            String region = report.markdown();
            System.out.println(region);
            if (options.writeDocs()) {
                Path docs = options.repo().resolve("docs");
                LatencyPlot.write(results, docs.resolve("benchmarks/latency-vs-load.png"));
                ResourcePlot.write(results, docs.resolve("benchmarks/cpu-memory.png"));
                PeerReport.replaceRegion(docs.resolve("benchmarks.md"), region);
                progress("wrote docs/benchmarks.md and docs/benchmarks/*.png");
            }
        }
        if (keepWork) {
            progress("kept " + work + ": the logs of the processes that exited are there (<name>/out.log)");
        } else {
            deleteTree(work);
        }
    }

    private PeerResults runAll() throws Exception {
        results.loadAverageAtStart = Machine.loadAverage();
        for (Target target : fleet.targets()) {
            if (target.isProxy()) {
                results.rssIdleMiB.put(target.name(), ProcessMetrics.rssMiB(target.pids()));
            }
        }
        // read while every process runs: a proxy that dies later still leaves the report its machine
        results.machine = Machine.describe(fleet.weftPid());
        warmUp();
        headlineLatency();
        rounds();
        curve();
        maxThroughput();
        cpuAndMemory();
        http2();
        sse();
        checkAlive("the HTTP phases");
        soak();
        checkAlive("the soak");
        // last: a proxy that gives way under gRPC load (a Weft ran out of heap in a trial run) takes no other
        // phase down with it
        grpc();
        results.gc = GcLog.read(fleet.weftGcLogs());
        results.elapsed = Duration.ofNanos(System.nanoTime() - started);
        results.loadAverageAtEnd = Machine.loadAverage();
        return results;
    }

    /** The same closed-loop warm-up for every proxy: JIT for Weft, connection pools for all. */
    private void warmUp() {
        Duration duration = options.quick() ? Duration.ofSeconds(4) : Duration.ofSeconds(10);
        for (String name : PROXIES) {
            progress("warm-up " + name + " (wrk " + Durations.format(duration) + ")");
            LoadTools.wrk(fleet.target(name).http1(), PeersOptions.CONNECTIONS, duration);
        }
    }

    /** Phases 1 and 2: added latency of one hop and of two Weft hops (plaintext and mTLS) at 1,000 and 5,000 requests/s. */
    private void headlineLatency() throws Exception {
        for (int rate : PeersOptions.HEADLINE_RATES) {
            for (Target target : fleet.targets()) {
                Latency latency = openLoop(target, rate, options.latencyPhase(), options.latencyWarmup());
                results.headline.computeIfAbsent(rate, r -> new LinkedHashMap<>()).put(target.name(), latency);
            }
        }
    }

    /**
     * The target rate again, in interleaved rounds: one run per target gave a p99 that moved with whatever the
     * machine did during that run (direct's own p99 came out above every proxy's once). Each round runs every
     * single-hop target once, in an order rotated by one per round, so no target always runs first or right
     * after the same neighbour; the report takes the median over the rounds of each one's added p99.
     */
    private void rounds() throws Exception {
        for (int round = 0; round < options.rounds(); round++) {
            progress("p99 round " + (round + 1) + " of " + options.rounds() + " at " + PeersOptions.TARGET_RATE + " requests/s");
            for (int i = 0; i < CURVE_TARGETS.size(); i++) {
                String name = CURVE_TARGETS.get((i + round) % CURVE_TARGETS.size());
                results.addRound(name, openLoop(fleet.target(name), PeersOptions.TARGET_RATE, options.roundPhase(),
                        Duration.ofSeconds(1)));
            }
        }
    }

    /** p99 against offered load; a target's curve stops at the first rate it cannot keep up with. */
    private void curve() throws Exception {
        Set<String> saturated = new HashSet<>();
        for (int rate : options.curveRates()) {
            for (String name : CURVE_TARGETS) {
                if (saturated.contains(name)) {
                    continue;
                }
                Latency latency = results.headline.containsKey(rate)
                        ? results.headline.get(rate).get(name)
                        : openLoop(fleet.target(name), rate, options.curvePhase(), Duration.ofSeconds(1));
                results.addCurvePoint(name, latency);
                if (!latency.keptUp()) {
                    saturated.add(name);
                }
            }
        }
    }

    /** Phase 3: wrk, one thread and 64 connections on the load core, against each target. */
    private void maxThroughput() {
        for (Target target : fleet.targets()) {
            progress("max throughput " + target.name() + " (wrk -t1 -c" + PeersOptions.WRK_CONNECTIONS + ")");
            LoadTools.WrkResult result = LoadTools.wrk(target.http1(), PeersOptions.WRK_CONNECTIONS, options.throughputPhase());
            results.throughput.put(target.name(), result);
            progress(String.format("  %.0f requests/s %s", result.requestsPerSecond(), result.problems()));
        }
    }

    /** Phases 4 and 5: CPU per 1,000 requests at a fixed rate, and RSS sampled while it runs. */
    private void cpuAndMemory() throws Exception {
        for (String name : PROXIES) {
            Target target = fleet.target(name);
            progress("CPU and memory " + name + " at " + PeersOptions.CPU_RATE + " requests/s");
            List<Double> rss = new CopyOnWriteArrayList<>();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> rss.add(ProcessMetrics.rssMiB(target.pids())), 1, 1, TimeUnit.SECONDS);
            double cpuBefore = ProcessMetrics.cpuSeconds(target.pids());
            long wallBefore = System.nanoTime();
            LoadResult load = OpenLoopLoadGenerator.run(
                    LoadSpec.get(target.http1(), PeersOptions.CONNECTIONS, PeersOptions.CPU_RATE, options.cpuPhase()));
            double wall = (System.nanoTime() - wallBefore) / 1e9;
            double cpu = ProcessMetrics.cpuSeconds(target.pids()) - cpuBefore;
            sampler.shutdown();
            sampler.awaitTermination(5, TimeUnit.SECONDS);
            double rssLoad = rss.stream().mapToDouble(Double::doubleValue).max()
                    .orElse(ProcessMetrics.rssMiB(target.pids()));
            Resources resources = new Resources(PeersOptions.CPU_RATE, load.achievedRatePerSecond(), cpu, wall,
                    load.completed(), results.rssIdleMiB.get(name), rssLoad);
            results.resources.put(name, resources);
            progress(String.format("  %.3f CPU s per 1k requests, %.2f vCPU, RSS %.1f MiB under load",
                    resources.cpuPerThousand(), resources.vcpu(), rssLoad));
        }
    }

    /** Phase 6: h2load with h2c prior knowledge against every target. */
    private void http2() {
        for (Target target : fleet.targets()) {
            progress("HTTP/2 " + target.name() + " (h2load -n " + options.h2Requests() + " -c 16 -m 10)");
            LoadTools.H2Result result;
            try {
                LoadTools.h2load(target.h2(), Math.max(1_000, options.h2Requests() / 10), 16, 10);
                result = LoadTools.h2load(target.h2(), options.h2Requests(), 16, 10);
            } catch (IllegalStateException e) {
                failed("HTTP/2", target, e);
                continue;
            }
            results.h2.put(target.name(), result);
            progress(String.format("  %.0f requests/s, mean %.3f ms, max %.3f ms, %d failed",
                    result.requestsPerSecond(), result.meanMillis(), result.maxMillis(), result.failed()));
        }
    }

    /**
     * Phase 9: gRPC unary calls over {@value GrpcLoad#CHANNELS} channels: a closed-loop warm-up, open-loop latency at
     * the headline rates, then the most calls per second with {@value GrpcLoad#CONCURRENT_CALLS} in flight.
     */
    private void grpc() throws InterruptedException {
        List<Target> targets = fleet.targets().stream().filter(Target::carriesGrpc).toList();
        Duration warmup = options.latencyWarmup();
        for (Target target : targets) {
            progress("gRPC warm-up " + target.name() + " (" + GrpcLoad.CONCURRENT_CALLS + " calls in flight, "
                    + Durations.format(warmup) + ")");
            try {
                GrpcLoad.closedLoop(target.grpc(), GrpcLoad.CONCURRENT_CALLS, warmup, Duration.ZERO);
            } catch (IllegalStateException e) {
                failed("gRPC warm-up", target, e);
            }
        }
        for (int rate : PeersOptions.HEADLINE_RATES) {
            for (Target target : targets) {
                GrpcLoad.OpenLoop run;
                try {
                    run = GrpcLoad.openLoop(target.grpc(), rate, options.latencyPhase(), options.latencyWarmup());
                } catch (IllegalStateException e) {
                    failed(String.format(Locale.ROOT, "gRPC at %,d calls/s", rate), target, e);
                    continue;
                }
                Latency latency = run.latency();
                results.grpcLatency.computeIfAbsent(rate, r -> new LinkedHashMap<>()).put(target.name(), latency);
                progress(String.format(Locale.ROOT, "gRPC %-12s %6d calls/s: achieved %.0f, p50 %.3f p99 %.3f p99.9 %.3f ms, %d failed",
                        target.name(), rate, latency.achieved(), latency.p50(), latency.p99(), latency.p999(), latency.failed()));
                failedCalls(String.format(Locale.ROOT, "gRPC at %,d calls/s", rate), target, latency.failed(), run.failures());
                checkAlive(String.format(Locale.ROOT, "gRPC at %,d calls/s against %s", rate, target.name()));
            }
        }
        for (Target target : targets) {
            progress("gRPC max calls/s " + target.name() + " (" + GrpcLoad.CONCURRENT_CALLS + " in flight, "
                    + Durations.format(options.throughputPhase()) + ")");
            GrpcLoad.Throughput result;
            try {
                result = GrpcLoad.closedLoop(target.grpc(), GrpcLoad.CONCURRENT_CALLS, options.throughputPhase(),
                        Duration.ofSeconds(1));
            } catch (IllegalStateException e) {
                failed("gRPC max calls/s", target, e);
                continue;
            }
            results.grpcThroughput.put(target.name(), result);
            progress(String.format(Locale.ROOT, "  %.0f calls/s, mean %.3f ms, p99 %.3f ms, %d failed",
                    result.callsPerSecond(), result.meanMillis(), result.p99Millis(), result.failed()));
            failedCalls("gRPC max calls/s", target, result.failed(), result.failures());
            checkAlive("gRPC max calls/s against " + target.name());
        }
    }

    /** Phase 7: per-event delay of a server-sent-events stream, one event every 10 ms. */
    private void sse() {
        for (Target target : fleet.targets()) {
            progress("SSE " + target.name() + " (" + options.sseEvents() + " events x 4 streams)");
            SseProbe.SseResult result;
            double cpuBefore = ProcessMetrics.cpuSeconds(target.pids());
            long wallBefore = System.nanoTime();
            try {
                result = SseProbe.run(target.sse(), 4, options.sseEvents());
            } catch (IllegalStateException e) {
                // the CPU the proxy burnt meanwhile tells a stalled stream from a spinning event loop
                failed("SSE", target, new IllegalStateException(String.format(Locale.ROOT,
                        "%s (the proxy used %.1f CPU s in %.1f s meanwhile)", e.getMessage(),
                        ProcessMetrics.cpuSeconds(target.pids()) - cpuBefore, (System.nanoTime() - wallBefore) / 1e9), e));
                continue;
            }
            results.sse.put(target.name(), result);
            progress(String.format("  p50 %.3f ms, p99 %.3f ms", result.percentileMillis(50), result.percentileMillis(99)));
        }
    }

    /** Phase 8 (phase 5 continued): Weft's RSS every 10 s under a steady load for the soak duration. */
    private void soak() throws Exception {
        if (options.soak().isZero()) {
            return;
        }
        Target target = fleet.target(Target.WEFT);
        progress("soak " + target.name() + " at " + PeersOptions.SOAK_RATE + " requests/s for " + Durations.format(options.soak()));
        List<Double> samples = new CopyOnWriteArrayList<>();
        samples.add(ProcessMetrics.rssMiB(target.pids()));
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> samples.add(ProcessMetrics.rssMiB(target.pids())), 10, 10, TimeUnit.SECONDS);
        Latency latency = openLoop(target, PeersOptions.SOAK_RATE, options.soak(), Duration.ZERO);
        sampler.shutdown();
        sampler.awaitTermination(5, TimeUnit.SECONDS);
        samples.add(ProcessMetrics.rssMiB(target.pids()));
        results.soak = new PeerResults.Soak(target.name(), PeersOptions.SOAK_RATE, options.soak(), List.copyOf(samples), latency);
        progress(String.format("  RSS start %.1f, end %.1f, max %.1f MiB", results.soak.startMiB(),
                results.soak.endMiB(), results.soak.maxMiB()));
    }

    /** A proxy that exited during the run is a finding: the report says which and what it printed last. */
    private void checkAlive(String phase) {
        fleet.exited().forEach((process, how) -> {
            String note = process + " exited during or before " + phase + " (" + how + ")";
            if (!reportedExits.contains(process)) {
                reportedExits.add(process);
                results.notes.add(note);
                progress("  " + note);
            }
        });
    }

    /** A phase that failed for one target is a finding for the report, not the end of the run. */
    private void failed(String phase, Target target, Exception e) {
        String note = phase + " against " + target.name() + " failed: " + e.getMessage().lines().findFirst().orElse("");
        results.notes.add(note);
        progress("  " + note);
    }

    /** Calls that failed in a phase that went on are a finding too: the note says how they ended. */
    private void failedCalls(String phase, Target target, long failed, String failures) {
        if (failed > 0) {
            String note = String.format(Locale.ROOT, "%s against %s: %,d calls failed (%s)", phase, target.name(),
                    failed, failures);
            results.notes.add(note);
            progress("  " + note);
        }
    }

    private Latency openLoop(Target target, int rate, Duration duration, Duration warmup) throws Exception {
        LoadSpec spec = LoadSpec.get(target.http1(), PeersOptions.CONNECTIONS, rate, duration).withWarmup(warmup);
        LoadResult result = OpenLoopLoadGenerator.run(spec);
        long non2xx = result.statusCounts().entrySet().stream()
                .filter(e -> e.getKey() < 200 || e.getKey() > 299).mapToLong(Map.Entry::getValue).sum();
        Latency latency = new Latency(rate, result.achievedRatePerSecond(), result.percentileMillis(50),
                result.percentileMillis(99), result.percentileMillis(99.9), result.completed(), result.errors() + non2xx);
        progress(String.format("%-12s %6d req/s: achieved %.0f, p50 %.3f p99 %.3f p99.9 %.3f ms, %d failed",
                target.name(), rate, latency.achieved(), latency.p50(), latency.p99(), latency.p999(), latency.failed()));
        return latency;
    }

    private static int readInt(Process process) {
        try {
            return Integer.parseInt(new String(process.getInputStream().readAllBytes()).trim());
        } catch (IOException | NumberFormatException e) {
            return 1;
        }
    }

    private static void progress(String message) {
        System.err.println("[peers] " + message);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
