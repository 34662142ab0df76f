package dev.weft.bench;

import java.util.Arrays;

/**
 * Entry point of weft-bench.jar: {@code jmh [JMH options]} runs the micro-benchmarks (JMH's own
 * command line); {@code peers [--quick] [--soak 10m]} runs the end-to-end comparison with nginx and
 * HAProxy (see scripts/bench.sh); {@code mesh [--quick] [--proxies 50] [--services 500] [--calls 5] [--applies 20]}
 * times config pushes to sidecars and measures a sidecar's heap in a large mesh; {@code mtls [--quick]} measures what
 * mTLS between two sidecar hops costs; {@code telemetry [--quick]}
 * what metrics, tracing and access logs cost on one hop. Further benchmarks register here.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: java -jar weft-bench.jar jmh [JMH options] | peers [--quick] [--soak 10m] | mesh [--quick]"
                    + " [--proxies 50] [--services 500] [--calls 5] [--applies 20] | mtls [--quick] | telemetry [--quick]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "jmh" -> org.openjdk.jmh.Main.main(rest);
            case "peers" -> dev.weft.bench.peers.PeersBenchmark.main(rest);
            case "mesh" -> dev.weft.bench.mesh.MeshBenchmark.main(rest);
            case "mtls" -> dev.weft.bench.peers.MtlsBenchmark.main(rest);
            case "telemetry" -> dev.weft.bench.peers.TelemetryBenchmark.main(rest);
            default -> {
                System.err.println("unknown benchmark: " + args[0] + " (expected: jmh, peers, mesh, mtls, telemetry)");
                System.exit(2);
            }
        }
    }
}
