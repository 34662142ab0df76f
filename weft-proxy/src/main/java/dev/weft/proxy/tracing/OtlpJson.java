package dev.weft.proxy.tracing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * OTLP/HTTP with the JSON encoding ({@code POST /v1/traces}, an {@code ExportTraceServiceRequest}): one resource
 * (its {@code service.name}), one instrumentation scope, the spans with hex ids as OTLP/JSON requires, times in
 * epoch nanoseconds and 64-bit integers as strings; a failed span has status code 2 (ERROR).
 */
public final class OtlpJson implements SpanEncoder {
    /** The instrumentation scope spans are reported under. */
    public static final String SCOPE = "dev.weft.proxy";
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public byte[] encode(List<Span> spans, String serviceName) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(300 * spans.size() + 200);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("resourceSpans");
            g.writeStartObject();
            g.writeObjectFieldStart("resource");
            g.writeArrayFieldStart("attributes");
            attribute(g, "service.name", serviceName);
            g.writeEndArray();
            g.writeEndObject();
            g.writeArrayFieldStart("scopeSpans");
            g.writeStartObject();
            g.writeObjectFieldStart("scope");
            g.writeStringField("name", SCOPE);
            g.writeEndObject();
            g.writeArrayFieldStart("spans");
            for (Span s : spans) {
                span(g, s);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    private static void span(JsonGenerator g, Span s) throws IOException {
        g.writeStartObject();
        g.writeStringField("traceId", s.traceIdHex());
        g.writeStringField("spanId", Hex.of(s.id()));
        if (s.parentId() != 0) {
            g.writeStringField("parentSpanId", Hex.of(s.parentId()));
        }
        g.writeStringField("name", s.name());
        g.writeNumberField("kind", s.kind().otlp());
        long startNanos = s.startEpochMicros() * 1000;
        g.writeStringField("startTimeUnixNano", Long.toString(startNanos));
        g.writeStringField("endTimeUnixNano", Long.toString(startNanos + s.durationMicros() * 1000));
        g.writeArrayFieldStart("attributes");
        for (Map.Entry<String, Object> a : s.attributes().entrySet()) {
            attribute(g, a.getKey(), a.getValue());
        }
        g.writeEndArray();
        if (s.error()) {
            g.writeObjectFieldStart("status");
            g.writeNumberField("code", 2);
            if (s.errorMessage() != null) {
                g.writeStringField("message", s.errorMessage());
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void attribute(JsonGenerator g, String key, Object value) throws IOException {
        g.writeStartObject();
        g.writeStringField("key", key);
        g.writeObjectFieldStart("value");
        if (value instanceof Long n) {
            g.writeStringField("intValue", Long.toString(n));
        } else {
            g.writeStringField("stringValue", String.valueOf(value));
        }
        g.writeEndObject();
        g.writeEndObject();
    }
}
