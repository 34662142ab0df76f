package dev.weft.bench.peers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything one run measured, keyed by target name in table order; filled phase by phase. */
final class PeerResults {

    /** One fixed-rate, open-loop run: latency from the intended send time, in milliseconds. */
    record Latency(int rate, double achieved, double p50, double p99, double p999, long completed, long failed) {

        /** Whether the target kept up: served the rate, failed nothing, and stayed under a second. */
        boolean keptUp() {
            return achieved >= rate * 0.9 && failed <= completed / 1000 && p99 < 1000;
        }
    }

    /** CPU and memory of a proxy: CPU per 1,000 requests at a fixed rate, RSS idle and under load. */
    record Resources(int rate, double achieved, double cpuSeconds, double wallSeconds, long completed,
                     double rssIdleMiB, double rssLoadMiB) {

        /** CPU seconds per 1,000 requests, which is also vCPU per 1,000 requests/s. */
        double cpuPerThousand() {
            return completed == 0 ? Double.NaN : cpuSeconds / (completed / 1000.0);
        }

        /** Cores busy at this rate. */
        double vcpu() {
            return cpuSeconds / wallSeconds;
        }
    }

    /** RSS sampled during the soak. */
    record Soak(String target, int rate, Duration duration, List<Double> samplesMiB, Latency latency) {

        double startMiB() {
            return samplesMiB.get(0);
        }

        double endMiB() {
            return samplesMiB.get(samplesMiB.size() - 1);
        }

        double maxMiB() {
            return samplesMiB.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }

        /** Flat: the end is within 5 % (or 4 MiB) of the start. */
        boolean flat() {
            return endMiB() - startMiB() <= Math.max(4.0, startMiB() * 0.05);
        }
    }

    /** rate → target → latency, for the headline rates. */
    final Map<Integer, Map<String, Latency>> headline = new LinkedHashMap<>();
    /** target → latency at {@link PeersOptions#TARGET_RATE} in each interleaved round, in round order. */
    final Map<String, List<Latency>> rounds = new LinkedHashMap<>();
    /** target → latency at each rate it kept up with (and the first it did not). */
    final Map<String, List<Latency>> curve = new LinkedHashMap<>();
    final Map<String, LoadTools.WrkResult> throughput = new LinkedHashMap<>();
    final Map<String, Resources> resources = new LinkedHashMap<>();
    final Map<String, LoadTools.H2Result> h2 = new LinkedHashMap<>();
    final Map<String, SseProbe.SseResult> sse = new LinkedHashMap<>();
    /** rate → target → latency of gRPC unary calls, for the headline rates. */
    final Map<Integer, Map<String, Latency>> grpcLatency = new LinkedHashMap<>();
    final Map<String, GrpcLoad.Throughput> grpcThroughput = new LinkedHashMap<>();
    final Map<String, Double> rssIdleMiB = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();
    Soak soak;
    GcLog.Pauses gc;
    Machine machine;
    Duration elapsed;
    String loadAverageAtStart;
    String loadAverageAtEnd;

    void addRound(String target, Latency latency) {
        rounds.computeIfAbsent(target, t -> new ArrayList<>()).add(latency);
    }

    /**
     * The median over the rounds of what {@code target} added to direct's p99 in the same round; NaN without
     * rounds, or when a round of it or of direct did not keep up (then the rounds measured the machine).
     */
    double medianAddedP99(String target) {
        List<Latency> own = rounds.get(target);
        List<Latency> direct = rounds.get(Target.DIRECT);
        if (own == null || direct == null || own.isEmpty() || own.size() != direct.size()) {
            return Double.NaN;
        }
        double[] added = new double[own.size()];
        for (int i = 0; i < added.length; i++) {
            if (!own.get(i).keptUp() || !direct.get(i).keptUp()) {
                return Double.NaN;
            }
            added[i] = own.get(i).p99() - direct.get(i).p99();
        }
        Arrays.sort(added);
        int n = added.length;
        return n % 2 == 1 ? added[n / 2] : (added[n / 2 - 1] + added[n / 2]) / 2;
    }

    void addCurvePoint(String target, Latency latency) {
        curve.computeIfAbsent(target, t -> new ArrayList<>()).add(latency);
    }
}
