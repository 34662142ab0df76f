package dev.weft.proxy.metrics;

/**
 * The fixed upper bounds of a histogram, as exposed ({@code le}) and as recorded: a value is recorded in an
 * integer unit ({@code unitsPerLe} of them per exposed unit, e.g. nanoseconds for buckets in milliseconds),
 * so recording compares longs and never converts.
 */
public final class Buckets {
    /** Istio's request duration buckets, in milliseconds. */
    public static final Buckets DURATION_MS = new Buckets(1_000_000, 0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000,
            2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000);
    /** Istio's request and response size buckets, in bytes. */
    public static final Buckets BYTES = new Buckets(1, 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
            100000000, 1000000000);
    /** OpenTelemetry's advice for gen_ai.client.token.usage. */
    public static final Buckets TOKENS = new Buckets(1, 1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144,
            1048576, 4194304, 16777216, 67108864);
    /** OpenTelemetry's advice for gen_ai.server.time_to_first_token, in seconds (recorded in nanoseconds). */
    public static final Buckets TIME_TO_FIRST_TOKEN_S = new Buckets(1_000_000_000, 0.001, 0.005, 0.01, 0.02, 0.04,
            0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0);
    /** OpenTelemetry's advice for gen_ai.server.time_per_output_token, in seconds (recorded in nanoseconds). */
    public static final Buckets TIME_PER_OUTPUT_TOKEN_S = new Buckets(1_000_000_000, 0.01, 0.025, 0.05, 0.075, 0.1,
            0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5);

    final double[] le;
    final long[] bounds;
    final String[] leText;
    final double unitsPerLe;

    /**
     * @param unitsPerLe recorded units per exposed unit
     * @param le         the exposed upper bounds, increasing
     */
    public Buckets(double unitsPerLe, double... le) {
        if (!(unitsPerLe > 0)) {
            throw new IllegalArgumentException("unitsPerLe: " + unitsPerLe + " (expected: > 0)");
        }
        this.unitsPerLe = unitsPerLe;
        this.le = le.clone();
        this.bounds = new long[le.length];
        this.leText = new String[le.length + 1];
        for (int i = 0; i < le.length; i++) {
            if (i > 0 && !(le[i] > le[i - 1])) {
                throw new IllegalArgumentException("le: " + java.util.Arrays.toString(le) + " (expected: increasing)");
            }
            bounds[i] = (long) Math.floor(le[i] * unitsPerLe);
            leText[i] = MetricWriter.number(le[i]);
        }
        leText[le.length] = "+Inf";
    }

    /** The bucket of a recorded value: the first bound it does not exceed, or the +Inf bucket. */
    int index(long value) {
        long[] b = bounds;
        for (int i = 0; i < b.length; i++) {
            if (value <= b[i]) {
                return i;
            }
        }
        return b.length;
    }

    int size() {
        return le.length + 1;
    }
}
