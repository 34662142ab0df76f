package dev.weft.bench.peers;

import dev.weft.testkit.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The knobs of one peer-benchmark run: phase lengths (quick or full), the soak, and where the
 * repository, the launcher and the generated documentation are.
 */
record PeersOptions(
        boolean quick,
        Duration soak,
        Path repo,
        boolean writeDocs,
        Duration latencyPhase,
        Duration latencyWarmup,
        List<Integer> curveRates,
        Duration curvePhase,
        Duration throughputPhase,
        Duration cpuPhase,
        int h2Requests,
        int sseEvents,
        int rounds,
        Duration roundPhase) {

    static final String USAGE = "usage: java -jar weft-bench.jar peers [--quick] [--soak 10m|0] [--repo DIR] [--no-docs]";

    /** The rates of the added-latency table (HTTP/1.1, 16 connections), as the issue names them. */
    static final List<Integer> HEADLINE_RATES = List.of(1_000, 5_000);
    /** The rate of the target "added p99 no worse than HAProxy's", measured again in interleaved rounds. */
    static final int TARGET_RATE = 1_000;
    /** The rate of the CPU and memory-under-load phase. */
    static final int CPU_RATE = 5_000;
    /** The rate of the soak. */
    static final int SOAK_RATE = 2_000;
    static final int CONNECTIONS = 16;
    static final int WRK_CONNECTIONS = 64;

    static PeersOptions parse(String[] args) {
        boolean quick = false;
        Duration soak = null;
        Path repo = Path.of("").toAbsolutePath();
        boolean writeDocs = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--soak" -> soak = Durations.parse(value(args, ++i, "--soak"));
                case "--repo" -> repo = Path.of(value(args, ++i, "--repo")).toAbsolutePath();
                case "--no-docs" -> writeDocs = false;
                default -> throw new IllegalArgumentException("unknown option: " + args[i] + "\n" + USAGE);
            }
        }
        if (soak == null) {
            soak = quick ? Duration.ZERO : Duration.ofMinutes(10);
        }
        if (quick) {
            return new PeersOptions(true, soak, repo, writeDocs,
                    Duration.ofSeconds(6), Duration.ofSeconds(2),
                    List.of(1_000, 5_000, 10_000, 20_000), Duration.ofSeconds(5),
                    Duration.ofSeconds(5), Duration.ofSeconds(8), 30_000, 200, 2, Duration.ofSeconds(4));
        }
        return new PeersOptions(false, soak, repo, writeDocs,
                Duration.ofSeconds(20), Duration.ofSeconds(5),
                List.of(500, 1_000, 2_000, 5_000, 10_000, 20_000), Duration.ofSeconds(15),
                Duration.ofSeconds(15), Duration.ofSeconds(20), 200_000, 1_000, 6, Duration.ofSeconds(10));
    }

    /** The command line that reproduces this run, for the report. */
    String command() {
        StringBuilder cmd = new StringBuilder("scripts/bench.sh");
        if (quick) {
            cmd.append(" --quick");
        }
        if (quick ? !soak.isZero() : !soak.equals(Duration.ofMinutes(10))) {
            cmd.append(" --soak ").append(Durations.format(soak));
        }
        return cmd.toString();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value\n" + USAGE);
        }
        return args[i];
    }
}
