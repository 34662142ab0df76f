package dev.weft.proxy.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Trace headers in, trace headers out: W3C traceparent, B3 single and B3 multi; malformed ones read as absent. */
class PropagationTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";

    private static HttpHeaders headers(String... nameValue) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < nameValue.length; i += 2) {
            h.add(nameValue[i], nameValue[i + 1]);
        }
        return h;
    }

    @Test
    void traceparentGivesTraceSpanAndSampledFlag() {
        TraceContext c = Propagation.extract(headers("traceparent", "00-" + TRACE + "-" + SPAN + "-01"));

        assertThat(c.traceIdHex()).isEqualTo(TRACE);
        assertThat(c.traceIdHigh()).isEqualTo(0x4bf92f3577b34da6L);
        assertThat(c.traceIdLow()).isEqualTo(0xa3ce929d0e0e4736L);
        assertThat(c.spanId()).isEqualTo(0x00f067aa0ba902b7L);
        assertThat(c.sampling()).isEqualTo(TraceContext.SAMPLED);
        assertThat(Propagation.extract(headers("traceparent", "00-" + TRACE + "-" + SPAN + "-00")).sampling())
                .isEqualTo(TraceContext.NOT_SAMPLED);
    }

    @Test
    void aLaterTraceparentVersionMayAppendFields() {
        TraceContext c = Propagation.extract(headers("traceparent", "01-" + TRACE + "-" + SPAN + "-01-what-comes"));

        assertThat(c.traceIdHex()).isEqualTo(TRACE);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "garbage",
        "00-" + TRACE + "-" + SPAN + "-0",                       // short
        "00-" + TRACE + "-" + SPAN + "-01-extra",                // version 00 must be exactly 55
        "ff-" + TRACE + "-" + SPAN + "-01",                      // version ff is invalid
        "00-00000000000000000000000000000000-" + SPAN + "-01",   // zero trace id
        "00-" + TRACE + "-0000000000000000-01",                  // zero parent id
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + SPAN + "-01",   // upper case
        "00-" + TRACE + "-" + SPAN + "-0g",                      // bad flags
        "00_" + TRACE + "-" + SPAN + "-01",                      // bad separator
        "00-" + TRACE + "x" + SPAN + "-01",
        "0x-" + TRACE + "-" + SPAN + "-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-" + SPAN + "-011",   // misplaced dash
        "01-" + TRACE + "-" + SPAN + "-01x",                     // later version, no dash after the flags
    })
    void malformedTraceparentIsIgnored(String value) {
        assertThat(Propagation.extract(headers("traceparent", value))).isNull();
    }

    @Test
    void malformedTraceparentFallsBackToB3() {
        TraceContext c = Propagation.extract(headers("traceparent", "nonsense",
                "b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"));

        assertThat(c.traceIdHex()).isEqualTo("80f198ee56343ba864fe8b2a57d3eff7");
        assertThat(c.spanId()).isEqualTo(0xe457b5a2e4d86bd1L);
        assertThat(c.sampling()).isEqualTo(TraceContext.SAMPLED);
    }

    @Test
    void b3SingleForms() {
        TraceContext defer = Propagation.extract(headers("b3", "a3ce929d0e0e4736-00f067aa0ba902b7"));
        assertThat(defer.traceIdHigh()).isZero();
        assertThat(defer.traceIdHex()).isEqualTo("a3ce929d0e0e4736");
        assertThat(defer.sampling()).isEqualTo(TraceContext.DEFER);

        TraceContext debug = Propagation.extract(headers("b3", "a3ce929d0e0e4736-00f067aa0ba902b7-d"));
        assertThat(debug.debug()).isTrue();
        assertThat(debug.sampling()).isEqualTo(TraceContext.SAMPLED);

        TraceContext denyOnly = Propagation.extract(headers("b3", "0"));
        assertThat(denyOnly.hasIds()).isFalse();
        assertThat(denyOnly.sampling()).isEqualTo(TraceContext.NOT_SAMPLED);

        assertThat(Propagation.extract(headers("b3", "A3CE929D0E0E4736-00F067AA0BA902B7-0")).sampling())
                .isEqualTo(TraceContext.NOT_SAMPLED);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "x", "2", "-", "a3ce929d0e0e4736", "a3ce929d0e0e4736-", "a3ce929d0e0e4736-00f067aa0ba902b",
        "a3ce929d0e0e473-00f067aa0ba902b7", "a3ce929d0e0e4736-00f067aa0ba902b7-", "a3ce929d0e0e4736-00f067aa0ba902b7-x",
        "a3ce929d0e0e4736-00f067aa0ba902b7-1-", "a3ce929d0e0e4736-00f067aa0ba902b7-1-05e3ac9a4f6e3b9z",
        "0000000000000000-00f067aa0ba902b7-1", "a3ce929d0e0e4736-0000000000000000-1",
        "g3ce929d0e0e4736-00f067aa0ba902b7", "a3ce929d0e0e4736+00f067aa0ba902b7-1",
    })
    void malformedB3SingleIsIgnored(String value) {
        assertThat(Propagation.extract(headers("b3", value))).isNull();
    }

    @Test
    void b3Multi() {
        TraceContext c = Propagation.extract(headers("X-B3-TraceId", "463ac35c9f6413ad48485a3953bb6124",
                "X-B3-SpanId", "a2fb4a1d1a96d312", "X-B3-ParentSpanId", "0020000000000001", "X-B3-Sampled", "1"));

        assertThat(c.traceIdHex()).isEqualTo("463ac35c9f6413ad48485a3953bb6124");
        assertThat(c.spanId()).isEqualTo(0xa2fb4a1d1a96d312L);
        assertThat(c.sampling()).isEqualTo(TraceContext.SAMPLED);
        assertThat(Propagation.extract(headers("X-B3-TraceId", "48485a3953bb6124", "X-B3-SpanId", "a2fb4a1d1a96d312"))
                .sampling()).isEqualTo(TraceContext.DEFER);
        assertThat(Propagation.extract(headers("X-B3-Flags", "1")).debug()).isTrue();
        assertThat(Propagation.extract(headers("X-B3-Sampled", "false")).sampling()).isEqualTo(TraceContext.NOT_SAMPLED);
    }

    @Test
    void malformedB3MultiIdsKeepOnlyTheDecision() {
        TraceContext c = Propagation.extract(headers("X-B3-TraceId", "not-hex-at-all!!", "X-B3-SpanId", "a2fb4a1d1a96d312",
                "X-B3-Sampled", "0"));
        assertThat(c.hasIds()).isFalse();
        assertThat(c.sampling()).isEqualTo(TraceContext.NOT_SAMPLED);

        assertThat(Propagation.extract(headers("X-B3-TraceId", "48485a3953bb6124", "X-B3-SpanId", "short"))).isNull();
        assertThat(Propagation.extract(headers("X-B3-TraceId", "48485a3953bb6124", "X-B3-Sampled", "maybe"))).isNull();
        assertThat(Propagation.extract(headers("X-B3-TraceId", "", "X-B3-SpanId", ""))).isNull();
    }

    @Test
    void noHeadersNoContext() {
        assertThat(Propagation.extract(headers("tracestate", "congo=t61rcWkgMzE"))).isNull();
    }

    @Test
    void injectWritesEveryFormatAndKeepsTracestate() {
        HttpHeaders h = headers("tracestate", "congo=t61rcWkgMzE", "b3", "old", "X-B3-Flags", "1");

        Propagation.inject(h, 0x4bf92f3577b34da6L, 0xa3ce929d0e0e4736L, 0x00f067aa0ba902b7L, 0x1122334455667788L, true, false);

        assertThat(h.get("traceparent")).isEqualTo("00-" + TRACE + "-" + SPAN + "-01");
        assertThat(h.get("tracestate")).isEqualTo("congo=t61rcWkgMzE");
        assertThat(h.get("x-b3-traceid")).isEqualTo(TRACE);
        assertThat(h.get("x-b3-spanid")).isEqualTo(SPAN);
        assertThat(h.get("x-b3-parentspanid")).isEqualTo("1122334455667788");
        assertThat(h.get("x-b3-sampled")).isEqualTo("1");
        assertThat(h.contains("x-b3-flags")).isFalse();
        assertThat(h.get("b3")).isEqualTo(TRACE + "-" + SPAN + "-1-1122334455667788");
        // what was written reads back as the same context
        assertThat(Propagation.extract(h)).isEqualTo(new TraceContext(0x4bf92f3577b34da6L, 0xa3ce929d0e0e4736L,
                0x00f067aa0ba902b7L, TraceContext.SAMPLED, false));
    }

    @Test
    void injectA64BitUnsampledTrace() {
        HttpHeaders h = headers("X-B3-ParentSpanId", "1111111111111111");

        Propagation.inject(h, 0, 0x48485a3953bb6124L, 0xa2fb4a1d1a96d312L, 0, false, false);

        assertThat(h.get("traceparent")).isEqualTo("00-000000000000000048485a3953bb6124-a2fb4a1d1a96d312-00");
        assertThat(h.get("x-b3-traceid")).isEqualTo("48485a3953bb6124");
        assertThat(h.get("x-b3-sampled")).isEqualTo("0");
        assertThat(h.contains("x-b3-parentspanid")).isFalse();
        assertThat(h.contains("b3")).isFalse();
    }
}
