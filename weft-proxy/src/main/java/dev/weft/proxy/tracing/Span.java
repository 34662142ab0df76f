package dev.weft.proxy.tracing;

import java.util.Map;

/**
 * One finished span as exporters encode it, captured on the event loop when the span ends (nothing in it
 * refers back to the exchange). Attribute values are String or Long.
 *
 * @param parentId      0 for a root span
 * @param peerAddress   the IP of the other side (the downstream client for SERVER, the upstream host for CLIENT), or
 *                      null; Zipkin's remoteEndpoint (the attributes carry it too, as network.peer.address)
 * @param error         whether the span failed (a 5xx, a proxy error, a cancelled exchange)
 * @param errorMessage  why, when {@code error} (the x-weft-error code or the status)
 */
public record Span(long traceIdHigh, long traceIdLow, long id, long parentId, Kind kind, String name,
                   long startEpochMicros, long durationMicros, String peerAddress, int peerPort,
                   boolean error, String errorMessage, Map<String, Object> attributes) {

    /** OpenTelemetry span kinds this proxy makes. */
    public enum Kind {
        SERVER(2), CLIENT(3);

        private final int otlp;

        Kind(int otlp) {
            this.otlp = otlp;
        }

        /** The OTLP {@code SpanKind} number. */
        int otlp() {
            return otlp;
        }
    }

    /** {@code attributes} is taken as it is (not copied): the caller hands it over. */
    public Span {
        attributes = java.util.Collections.unmodifiableMap(attributes);
    }

    public String traceIdHex() {
        return Hex.of(traceIdHigh, traceIdLow, false);
    }
}
