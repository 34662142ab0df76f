package dev.weft.bench.peers;

import dev.weft.testkit.Durations;
import dev.weft.testkit.Processes;
import dev.weft.testkit.load.LoadResult;
import dev.weft.testkit.load.LoadSpec;
import dev.weft.testkit.load.OpenLoopLoadGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code mtls [--quick] [--repo DIR]}: what mTLS between two sidecars costs. Two Weft hops in plaintext and the same
 * two hops with SPIFFE mTLS between them (SVIDs from a real Weft CA, the SDS secret shapes the control plane sends),
 * each hop pinned to the proxy core, against an nginx upstream; in one run: p50/p99/p99.9 at 1,000 and 5,000
 * requests/s (HTTP/1.1, 16 connections, open loop), CPU seconds per 1,000 requests at 5,000 requests/s, and full
 * mTLS handshakes per second against the inbound hop (openssl s_time, new sessions only), with the inbound hop's
 * CPU time per handshake. Prints a Markdown table.
 */
public final class MtlsBenchmark {

    private static final HopComparison RUN = new HopComparison("mtls");

    private static final List<Integer> RATES = List.of(1_000, 5_000);
    private static final int CPU_RATE = 5_000;
    private static final int HANDSHAKE_CLIENTS = 2;
    private static final Pattern S_TIME = Pattern.compile("(\\d+) connections in ([0-9.]+) real seconds");

    private MtlsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        HopComparison.Options options = RUN.parse(args);
        boolean quick = options.quick();
        Path repo = options.repo();
        Duration phase = options.phase();
        Duration warmup = options.warmup();
        Duration handshakePhase = quick ? Duration.ofSeconds(5) : Duration.ofSeconds(15);
        boolean pin = Runtime.getRuntime().availableProcessors() >= 2;
        Path work = Files.createTempDirectory("weft-mtls-bench-");
        progress("work directory " + work);
        MeshCertificates certificates = MeshCertificates.issue(work);
        String loadBefore = Machine.loadAverage();
        StringBuilder report = new StringBuilder();
        try (Fleet fleet = Fleet.startTwoHops(repo, work, pin, certificates)) {
            for (Target target : fleet.targets()) {
                progress("warm-up " + target.name() + " (wrk " + Durations.format(warmup.multipliedBy(2)) + ")");
                LoadTools.wrk(target.http1(), PeersOptions.CONNECTIONS, warmup.multipliedBy(2));
            }
            Map<Integer, Map<String, double[]>> latency = new LinkedHashMap<>();
            for (int rate : RATES) {
                for (Target target : fleet.targets()) {
                    latency.computeIfAbsent(rate, r -> new LinkedHashMap<>())
                            .put(target.name(), RUN.openLoop(target, rate, phase, warmup));
                }
            }
            Map<String, Double> cpuPerThousand = new LinkedHashMap<>();
            for (Target target : fleet.targets()) {
                if (target.isProxy()) {
                    double before = ProcessMetrics.cpuSeconds(target.pids());
                    LoadResult load = OpenLoopLoadGenerator.run(
                            LoadSpec.get(target.http1(), PeersOptions.CONNECTIONS, CPU_RATE, phase));
                    double cpu = ProcessMetrics.cpuSeconds(target.pids()) - before;
                    cpuPerThousand.put(target.name(), cpu / load.completed() * 1000);
                    progress(String.format(Locale.ROOT, "CPU %s: %.3f s per 1k requests (both hops)",
                            target.name(), cpuPerThousand.get(target.name())));
                }
            }
            double[] handshakes = handshakes(fleet, certificates, handshakePhase, pin);
            report.append(markdown(latency, cpuPerThousand, handshakes, phase, handshakePhase,
                    Machine.describe(fleet.mtlsServerPid()), loadBefore));
        }
        System.out.println(report);
        HopComparison.deleteTree(work);
    }

    /**
     * Full handshakes per second against the inbound hop's mTLS listener: {@value #HANDSHAKE_CLIENTS} openssl s_time
     * clients on the load core, new sessions only; returns handshakes/s and the listener process's CPU ms per handshake.
     */
    private static double[] handshakes(Fleet fleet, MeshCertificates certs, Duration phase, boolean pin)
            throws Exception {
        progress("handshakes (" + HANDSHAKE_CLIENTS + " x openssl s_time -new, " + Durations.format(phase) + ")");
        List<String> command = new ArrayList<>();
        if (pin) {
            command.addAll(List.of("taskset", "-c", Integer.toString(Fleet.LOAD_CORE)));
        }
        command.addAll(List.of("openssl", "s_time", "-connect", "127.0.0.1:" + fleet.mtlsPort(), "-new",
                "-cert", certs.clientChain().toString(), "-key", certs.clientKey().toString(),
                "-CAfile", certs.bundle().toString(), "-time", Long.toString(phase.toSeconds())));
        double cpuBefore = ProcessMetrics.cpuSeconds(List.of(fleet.mtlsServerPid()));
        List<CompletableFuture<Processes.Result>> clients = new ArrayList<>();
        for (int i = 0; i < HANDSHAKE_CLIENTS; i++) {
            clients.add(CompletableFuture.supplyAsync(() -> Processes.run(phase.plusSeconds(30), command)));
        }
        long connections = 0;
        double seconds = 0;
        for (CompletableFuture<Processes.Result> client : clients) {
            Processes.Result result = client.join();
            Matcher m = S_TIME.matcher(result.stdout());
            if (!m.find()) {
                throw new IllegalStateException("openssl s_time printed no count (exit " + result.exitCode() + "): "
                        + result.stdout() + result.stderr());
            }
            connections += Long.parseLong(m.group(1));
            seconds = Math.max(seconds, Double.parseDouble(m.group(2)));
        }
        double cpu = ProcessMetrics.cpuSeconds(List.of(fleet.mtlsServerPid())) - cpuBefore;
        double perSecond = connections / seconds;
        double cpuMillis = cpu * 1000 / connections;
        progress(String.format(Locale.ROOT, "  %d handshakes in %.1f s: %.0f/s, %.3f ms CPU each in the listener",
                connections, seconds, perSecond, cpuMillis));
        return new double[] {perSecond, cpuMillis, connections};
    }

    private static String markdown(Map<Integer, Map<String, double[]>> latency, Map<String, Double> cpu,
                                   double[] handshakes, Duration phase, Duration handshakePhase, Machine machine,
                                   String loadBefore) {
        StringBuilder md = new StringBuilder();
        md.append("Two Weft hops, plaintext against mTLS, HTTP/1.1, 16 connections, open loop, ")
                .append(Durations.format(phase)).append(" per cell (ms; added = the pair's figure minus direct's):\n\n");
        HopComparison.latencyTable(md, latency, Target.WEFT_TWO_HOPS, Target.WEFT_TWO_HOPS_MTLS, "mTLS cost");
        md.append("\nCPU seconds per 1,000 requests at ").append(String.format(Locale.ROOT, "%,d", CPU_RATE))
                .append(" requests/s, both hops together: ");
        cpu.forEach((name, value) -> md.append(String.format(Locale.ROOT, "%s %.3f; ", name, value)));
        md.setLength(md.length() - 2);
        md.append(".\n\n");
        md.append(String.format(Locale.ROOT, "Full mTLS handshakes (ECDSA P-256 SVIDs, new sessions) against the "
                        + "inbound hop: **%.0f per second** (%d in %s from %d openssl s_time clients on the load core), "
                        + "%.3f ms of the listener's CPU per handshake.\n\n",
                handshakes[0], (long) handshakes[2], Durations.format(handshakePhase), HANDSHAKE_CLIENTS, handshakes[1]));
        md.append(HopComparison.machineLine(machine, loadBefore));
        return md.toString();
    }

    private static void progress(String message) {
        RUN.progress(message);
    }
}
