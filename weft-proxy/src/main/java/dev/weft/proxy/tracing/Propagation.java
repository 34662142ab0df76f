package dev.weft.proxy.tracing;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * Reads and writes the trace headers: W3C {@code traceparent} (and {@code tracestate}, passed on untouched), B3
 * single ({@code b3}) and B3 multi ({@code X-B3-*}). Extraction prefers traceparent, then b3, then X-B3-*; a
 * malformed header is ignored as if absent (the request still goes through, and its trace headers are replaced
 * by valid ones when the proxy injects). Parsing is by hand, without regular expressions or allocation beyond
 * the returned context.
 */
public final class Propagation {
    public static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    public static final AsciiString TRACESTATE = AsciiString.cached("tracestate");
    public static final AsciiString B3 = AsciiString.cached("b3");
    public static final AsciiString X_B3_TRACE_ID = AsciiString.cached("x-b3-traceid");
    public static final AsciiString X_B3_SPAN_ID = AsciiString.cached("x-b3-spanid");
    public static final AsciiString X_B3_PARENT_SPAN_ID = AsciiString.cached("x-b3-parentspanid");
    public static final AsciiString X_B3_SAMPLED = AsciiString.cached("x-b3-sampled");
    public static final AsciiString X_B3_FLAGS = AsciiString.cached("x-b3-flags");

    private Propagation() {
    }

    /** The incoming context, or null when the request carries none (or only malformed ones). */
    public static TraceContext extract(HttpHeaders headers) {
        String tp = headers.get(TRACEPARENT);
        if (tp != null) {
            TraceContext c = traceparent(tp);
            if (c != null) {
                return c;
            }
        }
        String b3 = headers.get(B3);
        if (b3 != null) {
            TraceContext c = b3Single(b3);
            if (c != null) {
                return c;
            }
        }
        String traceId = headers.get(X_B3_TRACE_ID);
        String sampled = headers.get(X_B3_SAMPLED);
        String flags = headers.get(X_B3_FLAGS);
        if (traceId != null || sampled != null || flags != null) {
            return b3Multi(traceId, headers.get(X_B3_SPAN_ID), sampled, flags);
        }
        return null;
    }

    /**
     * Whether the request's tracestate belongs to no valid traceparent (W3C trace context: it describes the trace
     * of its traceparent, so without one it must not travel with another context). False without a tracestate.
     */
    static boolean foreignTracestate(HttpHeaders headers) {
        if (!headers.contains(TRACESTATE)) {
            return false;
        }
        String tp = headers.get(TRACEPARENT);
        return tp == null || traceparent(tp) == null;
    }

    /**
     * W3C trace context level 1: {@code version-traceid-parentid-flags}. Version ff is invalid; a version 00 header
     * must be exactly 55 characters; a later version may append fields after a '-' (they are ignored).
     */
    static TraceContext traceparent(String s) {
        s = s.strip();
        if (s.length() < 55 || s.charAt(2) != '-' || s.charAt(35) != '-' || s.charAt(52) != '-') {
            return null;
        }
        int version = Hex.parse2(s, 0, true);
        if (version < 0 || version == 0xff || (version == 0 && s.length() != 55)
                || (s.length() > 55 && s.charAt(55) != '-')) {
            return null;
        }
        int flags = Hex.parse2(s, 53, true);
        if (flags < 0 || !Hex.isHex(s, 3, 35, true) || !Hex.isHex(s, 36, 52, true)) {
            return null;
        }
        long high = Hex.parse16(s, 3);
        long low = Hex.parse16(s, 19);
        long parent = Hex.parse16(s, 36);
        if ((high == 0 && low == 0) || parent == 0) {
            return null;
        }
        return new TraceContext(high, low, parent, (flags & 1) != 0 ? TraceContext.SAMPLED : TraceContext.NOT_SAMPLED,
                false);
    }

    /**
     * B3 single header: {@code traceid-spanid[-sampling[-parentspanid]]}, or a sampling decision alone
     * ({@code 0}, {@code 1}, {@code d}). The trace id is 16 or 32 hex digits.
     */
    static TraceContext b3Single(String s) {
        s = s.strip();
        if (s.length() == 1) {
            byte sampling = sampling(s.charAt(0));
            return sampling == DEBUG ? new TraceContext(0, 0, 0, TraceContext.SAMPLED, true)
                    : sampling == BAD ? null : new TraceContext(0, 0, 0, sampling, false);
        }
        int dash = s.indexOf('-');
        if (dash != 16 && dash != 32) {
            return null;
        }
        int spanEnd = dash + 17;
        if (s.length() < spanEnd || (s.length() > spanEnd && s.charAt(spanEnd) != '-')
                || !Hex.isHex(s, 0, dash, false) || !Hex.isHex(s, dash + 1, spanEnd, false)) {
            return null;
        }
        byte sampling = TraceContext.DEFER;
        boolean debug = false;
        if (s.length() > spanEnd) {
            // "-x" and optionally "-parentspanid" (16 hex digits), which the receiver does not need
            int rest = s.length() - spanEnd;
            if (rest != 2 && rest != 19) {
                return null;
            }
            byte b = sampling(s.charAt(spanEnd + 1));
            if (b == BAD || (rest == 19 && (s.charAt(spanEnd + 2) != '-' || !Hex.isHex(s, spanEnd + 3, s.length(), false)))) {
                return null;
            }
            debug = b == DEBUG;
            sampling = debug ? TraceContext.SAMPLED : b;
        }
        long high = dash == 32 ? Hex.parse16(s, 0) : 0;
        long low = Hex.parse16(s, dash - 16);
        long span = Hex.parse16(s, dash + 1);
        if ((high == 0 && low == 0) || span == 0) {
            return null;
        }
        return new TraceContext(high, low, span, sampling, debug);
    }

    /** B3 multi headers; X-B3-Sampled is 1/0 (true/false accepted), X-B3-Flags 1 is debug. */
    static TraceContext b3Multi(String traceId, String spanId, String sampled, String flags) {
        boolean debug = flags != null && flags.strip().equals("1");
        byte sampling = TraceContext.DEFER;
        if (debug) {
            sampling = TraceContext.SAMPLED;
        } else if (sampled != null) {
            switch (sampled.strip()) {
                case "1", "true" -> sampling = TraceContext.SAMPLED;
                case "0", "false" -> sampling = TraceContext.NOT_SAMPLED;
                default -> {
                    // an unreadable decision is no decision
                }
            }
        }
        long high = 0;
        long low = 0;
        long span = 0;
        if (traceId != null && spanId != null) {
            String t = traceId.strip();
            String p = spanId.strip();
            if ((t.length() == 16 || t.length() == 32) && Hex.isHex(t, 0, t.length(), false)
                    && p.length() == 16 && Hex.isHex(p, 0, 16, false)) {
                high = t.length() == 32 ? Hex.parse16(t, 0) : 0;
                low = Hex.parse16(t, t.length() - 16);
                span = Hex.parse16(p, 0);
            }
        }
        if ((high == 0 && low == 0) || span == 0) {
            high = 0;
            low = 0;
            span = 0;
            if (sampling == TraceContext.DEFER) {
                return null;
            }
        }
        return new TraceContext(high, low, span, sampling, debug);
    }

    private static final byte BAD = -2;
    private static final byte DEBUG = 2;

    private static byte sampling(char c) {
        return switch (c) {
            case '1' -> TraceContext.SAMPLED;
            case '0' -> TraceContext.NOT_SAMPLED;
            case 'd' -> DEBUG;
            default -> BAD;
        };
    }

    /**
     * Writes the context of {@code spanId} (the span the receiver's span is a child of) in every format:
     * traceparent and X-B3-* always, b3 when the request had one. tracestate is left as it came.
     *
     * @param parentId the parent of {@code spanId}, 0 for none (B3's X-B3-ParentSpanId)
     */
    public static void inject(HttpHeaders headers, long traceIdHigh, long traceIdLow, long spanId, long parentId,
                              boolean sampled, boolean debug) {
        // one latin-1 array holds the traceparent, and the B3 ids are views of it: no per-header copies
        byte[] tp = new byte[55];
        tp[0] = '0';
        tp[1] = '0';
        tp[2] = '-';
        Hex.write(traceIdHigh, tp, 3);
        Hex.write(traceIdLow, tp, 19);
        tp[35] = '-';
        Hex.write(spanId, tp, 36);
        tp[52] = '-';
        tp[53] = '0';
        tp[54] = (byte) (sampled ? '1' : '0');
        headers.set(TRACEPARENT, new AsciiString(tp, false));
        // a 64-bit trace keeps its 16-digit B3 form
        AsciiString traceId = traceIdHigh == 0 ? new AsciiString(tp, 19, 16, false) : new AsciiString(tp, 3, 32, false);
        AsciiString span = new AsciiString(tp, 36, 16, false);
        headers.set(X_B3_TRACE_ID, traceId);
        headers.set(X_B3_SPAN_ID, span);
        if (parentId != 0) {
            headers.set(X_B3_PARENT_SPAN_ID, Hex.of(parentId));
        } else {
            headers.remove(X_B3_PARENT_SPAN_ID);
        }
        if (debug) {
            headers.set(X_B3_FLAGS, ONE);
            headers.remove(X_B3_SAMPLED);
        } else {
            headers.set(X_B3_SAMPLED, sampled ? ONE : ZERO);
            headers.remove(X_B3_FLAGS);
        }
        if (headers.contains(B3)) {
            String single = traceId + "-" + span + "-" + (debug ? "d" : sampled ? "1" : "0");
            headers.set(B3, parentId != 0 ? single + "-" + Hex.of(parentId) : single);
        }
    }

    private static final AsciiString ONE = AsciiString.cached("1");
    private static final AsciiString ZERO = AsciiString.cached("0");
}
