package dev.weft.proxy.tracing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Zipkin API v2 JSON ({@code POST /api/v2/spans}): a list of spans, ids in lower-case hex, times in epoch
 * microseconds, tags as strings; a failed span has the tag {@code error} (Zipkin's convention).
 */
public final class ZipkinJson implements SpanEncoder {
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public byte[] encode(List<Span> spans, String serviceName) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * spans.size());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (Span s : spans) {
                g.writeStartObject();
                g.writeStringField("traceId", Hex.of(s.traceIdHigh(), s.traceIdLow(), true));
                if (s.parentId() != 0) {
                    g.writeStringField("parentId", Hex.of(s.parentId()));
                }
                g.writeStringField("id", Hex.of(s.id()));
                g.writeStringField("kind", s.kind().name());
                g.writeStringField("name", s.name());
                g.writeNumberField("timestamp", s.startEpochMicros());
                // Zipkin drops a duration of 0 as "unknown": a span of less than a microsecond still took one
                g.writeNumberField("duration", Math.max(1, s.durationMicros()));
                g.writeObjectFieldStart("localEndpoint");
                g.writeStringField("serviceName", serviceName);
                g.writeEndObject();
                if (s.peerAddress() != null) {
                    g.writeObjectFieldStart("remoteEndpoint");
                    g.writeStringField(s.peerAddress().indexOf(':') >= 0 ? "ipv6" : "ipv4", s.peerAddress());
                    if (s.peerPort() > 0) {
                        g.writeNumberField("port", s.peerPort());
                    }
                    g.writeEndObject();
                }
                g.writeObjectFieldStart("tags");
                for (Map.Entry<String, Object> a : s.attributes().entrySet()) {
                    g.writeStringField(a.getKey(), String.valueOf(a.getValue()));
                }
                if (s.error()) {
                    g.writeStringField("error", s.errorMessage() == null ? "" : s.errorMessage());
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }
}
