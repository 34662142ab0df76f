package dev.weft.proxy.tracing;

/**
 * A span context as it crosses a hop: the trace id (128 bits; {@code traceIdHigh} is 0 for a 64-bit B3 trace),
 * the id of the span that sent the request (the parent of the span the receiver starts), and the sampling
 * decision. Immutable.
 *
 * @param spanId   the sender's span id, never 0
 * @param sampling {@link #SAMPLED}, {@link #NOT_SAMPLED} or {@link #DEFER} (B3 without a decision: the receiver decides)
 * @param debug    B3 debug flag ({@code X-B3-Flags: 1} or {@code b3: ...-d}): sampled, and forced
 */
public record TraceContext(long traceIdHigh, long traceIdLow, long spanId, byte sampling, boolean debug) {
    public static final byte NOT_SAMPLED = 0;
    public static final byte SAMPLED = 1;
    public static final byte DEFER = -1;

    /** Whether the ids are present (a B3 header may carry only a sampling decision). */
    public boolean hasIds() {
        return (traceIdHigh != 0 || traceIdLow != 0) && spanId != 0;
    }

    /** The trace id as 32 lower-case hex digits (W3C), or 16 for a 64-bit trace. */
    public String traceIdHex() {
        return Hex.of(traceIdHigh, traceIdLow, true);
    }
}
