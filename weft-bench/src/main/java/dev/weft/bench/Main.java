package dev.weft.bench;

import java.util.Arrays;

/**
 * Entry point of weft-bench.jar: {@code jmh [JMH options]} runs the micro-benchmarks (JMH's own
 * command line); {@code peers [--quick] [--soak 10m]} runs the end-to-end comparison with nginx and
 * HAProxy (see scripts/bench.sh). Further benchmarks register here.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: java -jar weft-bench.jar jmh [JMH options] | peers [--quick] [--soak 10m]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "jmh" -> org.openjdk.jmh.Main.main(rest);
            case "peers" -> dev.weft.bench.peers.PeersBenchmark.main(rest);
            default -> {
                System.err.println("unknown benchmark: " + args[0] + " (expected: jmh, peers)");
                System.exit(2);
            }
        }
    }
}
