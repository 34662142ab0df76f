package dev.weft.bench.peers;

import dev.weft.testkit.load.LoadResult;
import dev.weft.testkit.load.LoadSpec;
import dev.weft.testkit.load.OpenLoopLoadGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;

/**
 * What the benchmarks that compare two Weft set-ups against the direct upstream share (mtls: plaintext against mTLS
 * hops; telemetry: all off against all on): their command line, one open-loop latency cell, the latency table with
 * the cost of the second set-up over the first, and the clean-up of the work directory.
 */
final class HopComparison {

    /** {@code [--quick] [--repo DIR]}: shorter phases, and the repository whose {@code ./weft} runs the proxies. */
    record Options(boolean quick, Path repo) {
        Duration phase() {
            return quick ? Duration.ofSeconds(6) : Duration.ofSeconds(20);
        }

        Duration warmup() {
            return quick ? Duration.ofSeconds(2) : Duration.ofSeconds(5);
        }
    }

    private final String name;

    /** @param name the benchmark's name on the command line, which prefixes its progress lines */
    HopComparison(String name) {
        this.name = name;
    }

    /** Parses the command line; exits with the usage on a wrong option. */
    Options parse(String[] args) {
        boolean quick = false;
        Path repo = Path.of("").toAbsolutePath();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--repo" -> {
                    if (++i == args.length) {
                        usage("--repo needs a directory");
                    }
                    repo = Path.of(args[i]).toAbsolutePath();
                }
                default -> usage("unknown option: " + args[i]);
            }
        }
        return new Options(quick, repo);
    }

    /** One latency cell: p50, p99, p99.9 in ms, the achieved rate and the failures (errors and non-2xx). */
    double[] openLoop(Target target, int rate, Duration phase, Duration warmup) throws Exception {
        LoadResult result = OpenLoopLoadGenerator.run(
                LoadSpec.get(target.http1(), PeersOptions.CONNECTIONS, rate, phase).withWarmup(warmup));
        long non2xx = result.statusCounts().entrySet().stream()
                .filter(e -> e.getKey() < 200 || e.getKey() > 299).mapToLong(Map.Entry::getValue).sum();
        double[] row = {result.percentileMillis(50), result.percentileMillis(99), result.percentileMillis(99.9),
                result.achievedRatePerSecond(), result.errors() + non2xx};
        progress(String.format(Locale.ROOT, "%-22s %5d req/s: achieved %.0f, p50 %.3f p99 %.3f p99.9 %.3f ms, %d failed",
                target.name(), rate, row[3], row[0], row[1], row[2], (long) row[4]));
        return row;
    }

    /**
     * The latency table: per rate, each target's cells with what it adds to direct's, then a row {@code costLabel}
     * with what {@code withTarget} adds to {@code baseTarget}.
     */
    static void latencyTable(StringBuilder md, Map<Integer, Map<String, double[]>> latency, String baseTarget,
                             String withTarget, String costLabel) {
        md.append("| rate | target | p50 | p99 | p99.9 | added p50 | added p99 | failed |\n");
        md.append("|---:|---|---:|---:|---:|---:|---:|---:|\n");
        for (var byRate : latency.entrySet()) {
            double[] direct = byRate.getValue().get(Target.DIRECT);
            for (var cell : byRate.getValue().entrySet()) {
                double[] r = cell.getValue();
                boolean isDirect = cell.getKey().equals(Target.DIRECT);
                md.append(String.format(Locale.ROOT, "| %,d | %s | %.3f | %.3f | %.3f | %s | %s | %d |\n",
                        byRate.getKey(), cell.getKey(), r[0], r[1], r[2],
                        isDirect ? "" : String.format(Locale.ROOT, "%.3f", r[0] - direct[0]),
                        isDirect ? "" : String.format(Locale.ROOT, "%.3f", r[1] - direct[1]), (long) r[4]));
            }
            double[] base = byRate.getValue().get(baseTarget);
            double[] with = byRate.getValue().get(withTarget);
            md.append(String.format(Locale.ROOT, "| %,d | **%s** | %+.3f | %+.3f | %+.3f | | | |\n",
                    byRate.getKey(), costLabel, with[0] - base[0], with[1] - base[1], with[2] - base[2]));
        }
    }

    /** The machine line closing a report. */
    static String machineLine(Machine machine, String loadBefore) {
        return "Machine: " + machine.cpus() + " CPUs, " + machine.cpuModel() + "; " + machine.jdk()
                + "; 1-minute load average " + loadBefore + " before the run and " + Machine.loadAverage()
                + " after it.\n";
    }

    /** Deletes the work directory and everything in it. */
    static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    void progress(String message) {
        System.err.println("[" + name + "] " + message);
    }

    private void usage(String problem) {
        System.err.println(problem + "\nusage: java -jar weft-bench.jar " + name + " [--quick] [--repo DIR]");
        System.exit(2);
    }
}
