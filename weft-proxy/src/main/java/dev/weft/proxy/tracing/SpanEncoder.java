package dev.weft.proxy.tracing;

import java.util.List;

/** Encodes a batch of spans of one service into the body of one report to a collector. */
public interface SpanEncoder {
    byte[] encode(List<Span> spans, String serviceName);

    /** The Content-Type of the report. */
    default String contentType() {
        return "application/json";
    }
}
