package dev.weft.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.http.WeftError;
import dev.weft.proxy.observe.Direction;
import dev.weft.proxy.observe.RequestInfo;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Formats compile once and render a finished exchange the way Envoy's command operators do. */
class LogFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MS = 1_000_000L;

    /** A forwarded POST: request 0-2 ms, upstream ready at 3, first upstream byte at 10, sent at 11, done at 25. */
    private static RequestInfo forwarded() {
        RequestInfo info = new RequestInfo("outbound", Direction.OUTBOUND, null,
                new InetSocketAddress("10.1.2.3", 40000), false);
        DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat?stream=1");
        req.headers().set("host", "chat:8000").set("x-request-id", "req-1").set("user-agent", "te\"st\t\\x")
                .set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        long t0 = 1_000 * MS;
        info.requestStarted(req, t0);
        info.routed("default/chat/rule0/match0", "outbound|8000||chat.default");
        info.attemptStarted(new dev.weft.proxy.lb.Endpoint(new InetSocketAddress("127.0.0.1", 9001), 1, 0, true));
        info.upstreamStarted(t0 + 3 * MS);
        info.requestEnded(t0 + 2 * MS, 12);
        info.upstreamResponded(t0 + 10 * MS);
        DefaultHttpHeaders resp = new DefaultHttpHeaders();
        resp.set("content-type", "application/json");
        info.responseStarted(200, resp, t0 + 11 * MS);
        info.responseBytes(300);
        info.responseBytes(45);
        info.ended(true, t0 + 25 * MS);
        return info;
    }

    private static LogFormat text(String template) throws ConfigException {
        return LogFormat.compile(SubstitutionFormatString.newBuilder()
                .setTextFormatSource(DataSource.newBuilder().setInlineString(template)).build(), "f");
    }

    private static LogFormat json(Struct.Builder fields, boolean omitEmpty) throws ConfigException {
        return LogFormat.compile(SubstitutionFormatString.newBuilder().setJsonFormat(fields)
                .setOmitEmptyValues(omitEmpty).build(), "f");
    }

    private static Value s(String v) {
        return Value.newBuilder().setStringValue(v).build();
    }

    @Test
    void theDefaultIsOneJsonLineWithTypedValues() throws Exception {
        String line = LogFormat.DEFAULT.format(forwarded());

        assertThat(line).endsWith("}\n").doesNotContain("\n{");
        JsonNode o = JSON.readTree(line);
        assertThat(o.get("method").asText()).isEqualTo("POST");
        assertThat(o.get("authority").asText()).isEqualTo("chat:8000");
        assertThat(o.get("path").asText()).isEqualTo("/v1/chat?stream=1");
        assertThat(o.get("protocol").asText()).isEqualTo("HTTP/1.1");
        assertThat(o.get("response_code").isInt()).isTrue();
        assertThat(o.get("response_code").asInt()).isEqualTo(200);
        assertThat(o.get("response_flags").asText()).isEqualTo("-");
        assertThat(o.get("response_code_details").asText()).isEqualTo("via_upstream");
        assertThat(o.get("route_name").asText()).isEqualTo("default/chat/rule0/match0");
        assertThat(o.get("upstream_cluster").asText()).isEqualTo("outbound|8000||chat.default");
        assertThat(o.get("upstream_host").asText()).isEqualTo("127.0.0.1:9001");
        assertThat(o.get("upstream_attempts").asInt()).isEqualTo(1);
        assertThat(o.get("bytes_received").asLong()).isEqualTo(12);
        assertThat(o.get("bytes_sent").asLong()).isEqualTo(345);
        assertThat(o.get("duration").asLong()).isEqualTo(25);
        assertThat(o.get("request_duration").asLong()).isEqualTo(2);
        assertThat(o.get("upstream_duration").asLong()).isEqualTo(22);
        assertThat(o.get("response_duration").asLong()).isEqualTo(10);
        assertThat(o.get("time_to_first_byte").asLong()).isEqualTo(11);
        assertThat(o.get("trace_id").asText()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(o.get("request_id").asText()).isEqualTo("req-1");
        assertThat(o.get("user_agent").asText()).isEqualTo("te\"st\t\\x");
        assertThat(o.get("downstream_remote_address").asText()).isEqualTo("10.1.2.3:40000");
        assertThat(o.get("downstream_peer_uri_san").isNull()).isTrue();
        assertThat(o.get("upstream_peer_uri_san").isNull()).isTrue();
        assertThat(o.get("listener").asText()).isEqualTo("outbound");
        assertThat(o.get("direction").asText()).isEqualTo("OUTBOUND");
        Instant start = Instant.parse(o.get("start_time").asText());
        assertThat(start.toEpochMilli()).isEqualTo(RequestInfo.epochMicros(1_000 * MS) / 1000);
    }

    @Test
    void aTextFormatSubstitutesWithDashForMissingValuesAndCutsToLength() throws Exception {
        RequestInfo info = forwarded();
        LogFormat f = text("[%START_TIME(%Y/%m/%d %H:%M:%S.%6f %z)%] \"%REQ(:METHOD)% %REQ_WITHOUT_QUERY(:PATH)%\" "
                + "%RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_HOST% %REQ(X-MISSING)% %REQ(X-MISSING?X-REQUEST-ID)% "
                + "%REQ(USER-AGENT):2% %RESP(content-type)% 100%% %COMMON_DURATION(DS_RX_BEG:US_TX_BEG:us)%\n");

        String line = f.format(info);

        long micros = RequestInfo.epochMicros(1_000 * MS);
        java.time.ZonedDateTime t = Instant.ofEpochSecond(micros / 1_000_000, micros % 1_000_000 * 1000)
                .atZone(java.time.ZoneOffset.UTC);
        String expectedTime = java.time.format.DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss.SSSSSS").format(t)
                + " +0000";
        assertThat(line).isEqualTo("[" + expectedTime + "] \"POST /v1/chat\" 200 - 127.0.0.1:9001 - req-1 te "
                + "application/json 100% 3000\n");
    }

    @Test
    void aLocalReplyShowsItsErrorCodeAndNoUpstream() throws Exception {
        RequestInfo info = new RequestInfo("in", Direction.INBOUND, null, null, true);
        info.requestStarted(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x"), 5 * MS);
        info.failed(WeftError.NO_ROUTE);
        info.responseStarted(404, new DefaultHttpHeaders(), 6 * MS);
        info.ended(true, 7 * MS);

        JsonNode o = JSON.readTree(LogFormat.DEFAULT.format(info));
        assertThat(o.get("response_code").asInt()).isEqualTo(404);
        assertThat(o.get("response_flags").asText()).isEqualTo("no_route");
        assertThat(o.get("response_code_details").asText()).isEqualTo("no_route");
        assertThat(o.get("upstream_host").isNull()).isTrue();
        assertThat(o.get("upstream_duration").isNull()).isTrue();
        assertThat(o.get("response_duration").isNull()).isTrue();
        assertThat(o.get("duration").asLong()).isEqualTo(2);
        assertThat(o.get("protocol").asText()).isEqualTo("HTTP/2");
    }

    @Test
    void aJsonFormatKeepsConstantsNestsObjectsAndMayOmitEmptyValues() throws Exception {
        Struct.Builder fields = Struct.newBuilder()
                .putFields("status", s("%RESPONSE_CODE%"))
                .putFields("where", Value.newBuilder().setStructValue(Struct.newBuilder()
                        .putFields("host", s("%UPSTREAM_HOST%"))
                        .putFields("peer", s("%DOWNSTREAM_PEER_URI_SAN%"))).build())
                .putFields("line", s("%REQ(:METHOD)% %REQ(X-NONE)%"))
                .putFields("cut", s("%RESPONSE_CODE:1%"))
                .putFields("service", s("chat"))
                .putFields("version", Value.newBuilder().setNumberValue(2).build())
                .putFields("sampled", Value.newBuilder().setBoolValue(true).build());

        JsonNode full = JSON.readTree(json(fields, false).format(forwarded()));
        JsonNode omitted = JSON.readTree(json(fields, true).format(forwarded()));

        assertThat(full.get("status").asInt()).isEqualTo(200);
        assertThat(full.get("where").get("host").asText()).isEqualTo("127.0.0.1:9001");
        assertThat(full.get("where").get("peer").isNull()).isTrue();
        assertThat(full.get("line").asText()).isEqualTo("POST -");
        assertThat(full.get("cut").isTextual()).isTrue();
        assertThat(full.get("cut").asText()).isEqualTo("2");
        assertThat(full.get("service").asText()).isEqualTo("chat");
        assertThat(full.get("version").asInt()).isEqualTo(2);
        assertThat(full.get("sampled").asBoolean()).isTrue();
        assertThat(omitted.get("where").has("peer")).isFalse();
        assertThat(omitted.get("line").asText()).isEqualTo("POST ");
    }

    @Test
    void gRpcStatusIsNamedOrNumbered() throws Exception {
        RequestInfo info = forwarded();
        info.grpcStatus("14");
        assertThat(text("%GRPC_STATUS% %GRPC_STATUS(SNAKE_STRING)% %GRPC_STATUS(NUMBER)%").format(info))
                .isEqualTo("Unavailable UNAVAILABLE 14");
    }

    @Test
    void badOperatorsAreConfigErrorsNamingTheFieldAndTheOperator() {
        assertThatThrownBy(() -> text("%RESPONSE_CODE% %NO_SUCH_THING%"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("f.text_format_source.inline_string: unknown command operator %NO_SUCH_THING%");
        assertThatThrownBy(() -> text("%REQ(:METHOD"))
                .hasMessageContaining("malformed command operator at offset 0").hasMessageContaining("no ')'");
        assertThatThrownBy(() -> text("50% done"))
                .hasMessageContaining("malformed command operator at offset 2");
        assertThatThrownBy(() -> text("%REQ()%")).hasMessageContaining("a header name is required");
        assertThatThrownBy(() -> text("%DURATION(ms)%")).hasMessageContaining("DURATION takes no argument");
        assertThatThrownBy(() -> text("%START_TIME(%Q)%")).hasMessageContaining("%Q is not supported");
        assertThatThrownBy(() -> text("%COMMON_DURATION(DS_RX_BEG:US_RX_END:ms)%"))
                .hasMessageContaining("US_RX_END is not a point Weft records");
        assertThatThrownBy(() -> json(Struct.newBuilder().putFields("a", Value.newBuilder().setStructValue(
                Struct.newBuilder().putFields("b", s("%BYTES%"))).build()), false))
                .hasMessageStartingWith("f.json_format.a.b: unknown command operator %BYTES%");
    }

    @Test
    void startTimeWritesDatesOfAnyEraInUtc() throws Exception {
        StartTimeFormat f = StartTimeFormat.compile("%F %T.%3f %j %e %y %s", "t", "p");
        for (Instant i : new Instant[] {Instant.parse("1970-01-01T00:00:00Z"), Instant.parse("2000-02-29T23:59:59.999Z"),
                Instant.parse("2026-11-27T08:05:09.042Z"), Instant.parse("2100-03-01T12:00:00Z")}) {
            StringBuilder sb = new StringBuilder();
            f.append(i.getEpochSecond() * 1_000_000 + i.getNano() / 1000, sb);
            java.time.ZonedDateTime z = i.atZone(java.time.ZoneOffset.UTC);
            String expected = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS DDD").format(z)
                    + " " + String.format("%2d", z.getDayOfMonth()) + " "
                    + String.format("%02d", z.getYear() % 100) + " " + i.getEpochSecond();
            assertThat(sb.toString()).isEqualTo(expected);
        }
    }

    @Test
    void aTraceIdComesFromTraceparentElseB3AndAMalformedHeaderIsNoId() throws Exception {
        LogFormat f = text("%TRACE_ID%");
        String[][] cases = {
                {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "0af7651916cd43dd8448eb211c80319c"},
                {"traceparent", "00-0af7651916cd43dd8448eb211c80319c", "-"},
                {"traceparent", "00-0af7651916cd43dd8448eb211c80319", "-"},
                {"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1", "80f198ee56343ba864fe8b2a57d3eff7"},
                {"x-b3-traceid", "463ac35c9f6413ad", "463ac35c9f6413ad"},
        };
        for (String[] c : cases) {
            RequestInfo info = new RequestInfo("l", Direction.OUTBOUND, null, null, false);
            DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
            req.headers().set(c[0], c[1]);
            info.requestStarted(req, MS);
            info.ended(true, 2 * MS);
            assertThat(f.format(info)).as(c[0] + ": " + c[1]).isEqualTo(c[2]);
        }
    }
}
