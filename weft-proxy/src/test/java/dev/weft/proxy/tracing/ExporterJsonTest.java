package dev.weft.proxy.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The two report formats, field by field. */
class ExporterJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Span server() {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("http.request.method", "GET");
        attributes.put("url.path", "/v1/chat");
        attributes.put("http.response.status_code", 200L);
        return new Span(0x4bf92f3577b34da6L, 0xa3ce929d0e0e4736L, 0x00f067aa0ba902b7L, 0x1122334455667788L,
                Span.Kind.SERVER, "GET chat", 1_700_000_000_000_001L, 2500, "127.0.0.1", 41234, false, null, attributes);
    }

    static Span failedClient() {
        return new Span(0, 0x48485a3953bb6124L, 0x0000000000000abcL, 0, Span.Kind.CLIENT, "GET chat",
                1_700_000_000_000_100L, 0, "::1", 8080, true, "upstream_reset", Map.of("weft.error", "upstream_reset"));
    }

    @Test
    void zipkinV2() throws Exception {
        JsonNode spans = JSON.readTree(new ZipkinJson().encode(List.of(server(), failedClient()), "chat"));

        assertThat(spans.isArray()).isTrue();
        JsonNode s = spans.get(0);
        assertThat(s.get("traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(s.get("id").asText()).isEqualTo("00f067aa0ba902b7");
        assertThat(s.get("parentId").asText()).isEqualTo("1122334455667788");
        assertThat(s.get("kind").asText()).isEqualTo("SERVER");
        assertThat(s.get("name").asText()).isEqualTo("GET chat");
        assertThat(s.get("timestamp").asLong()).isEqualTo(1_700_000_000_000_001L);
        assertThat(s.get("duration").asLong()).isEqualTo(2500);
        assertThat(s.get("localEndpoint").get("serviceName").asText()).isEqualTo("chat");
        assertThat(s.get("remoteEndpoint").get("ipv4").asText()).isEqualTo("127.0.0.1");
        assertThat(s.get("remoteEndpoint").get("port").asInt()).isEqualTo(41234);
        assertThat(s.get("tags").get("http.response.status_code").asText()).isEqualTo("200");
        assertThat(s.get("tags").get("http.response.status_code").isTextual()).isTrue();
        assertThat(s.get("tags").has("error")).isFalse();

        JsonNode c = spans.get(1);
        assertThat(c.get("traceId").asText()).isEqualTo("48485a3953bb6124");
        assertThat(c.has("parentId")).isFalse();
        assertThat(c.get("duration").asLong()).isEqualTo(1);
        assertThat(c.get("remoteEndpoint").get("ipv6").asText()).isEqualTo("::1");
        assertThat(c.get("tags").get("error").asText()).isEqualTo("upstream_reset");
    }

    @Test
    void otlpJson() throws Exception {
        JsonNode root = JSON.readTree(new OtlpJson().encode(List.of(server(), failedClient()), "chat"));

        JsonNode rs = root.get("resourceSpans").get(0);
        assertThat(rs.get("resource").get("attributes").get(0).get("key").asText()).isEqualTo("service.name");
        assertThat(rs.get("resource").get("attributes").get(0).get("value").get("stringValue").asText()).isEqualTo("chat");
        JsonNode ss = rs.get("scopeSpans").get(0);
        assertThat(ss.get("scope").get("name").asText()).isEqualTo("dev.weft.proxy");
        JsonNode s = ss.get("spans").get(0);
        assertThat(s.get("traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(s.get("spanId").asText()).isEqualTo("00f067aa0ba902b7");
        assertThat(s.get("parentSpanId").asText()).isEqualTo("1122334455667788");
        assertThat(s.get("kind").asInt()).isEqualTo(2);
        assertThat(s.get("startTimeUnixNano").asText()).isEqualTo("1700000000000001000");
        assertThat(s.get("endTimeUnixNano").asText()).isEqualTo("1700000000002501000");
        assertThat(s.get("attributes")).anySatisfy(a -> {
            assertThat(a.get("key").asText()).isEqualTo("http.response.status_code");
            assertThat(a.get("value").get("intValue").asText()).isEqualTo("200");
        });
        assertThat(s.has("status")).isFalse();

        JsonNode c = ss.get("spans").get(1);
        assertThat(c.get("traceId").asText()).isEqualTo("000000000000000048485a3953bb6124");
        assertThat(c.has("parentSpanId")).isFalse();
        assertThat(c.get("kind").asInt()).isEqualTo(3);
        assertThat(c.get("status").get("code").asInt()).isEqualTo(2);
        assertThat(c.get("status").get("message").asText()).isEqualTo("upstream_reset");
    }
}
