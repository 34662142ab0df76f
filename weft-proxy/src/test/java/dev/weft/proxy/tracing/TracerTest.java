package dev.weft.proxy.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.proxy.observe.Direction;
import dev.weft.proxy.observe.RequestInfo;
import dev.weft.proxy.stats.Stats;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The tracer's decisions on the request head, without a proxy around it. */
class TracerTest {
    private final java.util.List<SpanExporter> exporters = new java.util.ArrayList<>();

    private Tracer tracer(double percent, boolean traceId128) {
        SpanExporter exporter = new SpanExporter("test", new ZipkinJson(), (body, type) -> { }, "svc",
                SpanExporter.Settings.DEFAULT, new Stats());
        exporters.add(exporter);
        TracingConfig config = new TracingConfig(percent, traceId128, new TracingConfig.Exporter(
                TracingConfig.Provider.ZIPKIN, "c", "/api/v2/spans", "c", 1000, null));
        return new Tracer(config, exporter, "node-1");
    }

    @AfterEach
    void close() {
        exporters.forEach(SpanExporter::close);
    }

    private static RequestInfo head(Tracer tracer, String... headers) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x");
        for (int i = 0; i < headers.length; i += 2) {
            request.headers().add(headers[i], headers[i + 1]);
        }
        RequestInfo info = new RequestInfo("main", Direction.OUTBOUND, null, null, false);
        info.requestStarted(request, System.nanoTime());
        tracer.onRequestHead(info, request);
        return info;
    }

    @Test
    void randomSamplingSamplesItsShareOfNewTraces() {
        Tracer tracer = tracer(25, true);
        int sampled = 0;
        for (int i = 0; i < 4000; i++) {
            sampled += head(tracer).trace() != null ? 1 : 0;
        }
        // expected 1000, standard deviation about 27: a bound of 5.5 of them cannot fail by chance
        assertThat(sampled).isBetween(850, 1150);
        assertThat(count(tracer(0, true), 1000)).isZero();
        assertThat(count(tracer(100, true), 1000)).isEqualTo(1000);
    }

    private static int count(Tracer tracer, int n) {
        int sampled = 0;
        for (int i = 0; i < n; i++) {
            sampled += head(tracer).trace() != null ? 1 : 0;
        }
        return sampled;
    }

    @Test
    void anIncomingDecisionWinsOverTheRate() {
        assertThat(head(tracer(0, true), "b3", "1").trace()).isNotNull();
        assertThat(head(tracer(0, true), "x-b3-flags", "1").trace()).isNotNull();
        assertThat(head(tracer(100, true), "b3", "0").trace()).isNull();
        assertThat(head(tracer(100, true), "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").trace()).isNull();
    }

    @Test
    void aDeferredB3DecisionIsTakenHereAndPassedOn() {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x");
        request.headers().add("x-b3-traceid", "48485a3953bb6124").add("x-b3-spanid", "a2fb4a1d1a96d312");
        RequestInfo info = new RequestInfo("main", Direction.OUTBOUND, null, null, false);
        info.requestStarted(request, System.nanoTime());

        tracer(0, true).onRequestHead(info, request);

        assertThat(info.trace()).isNull();
        assertThat(request.headers().get("x-b3-sampled")).isEqualTo("0");
        assertThat(request.headers().get("x-b3-traceid")).isEqualTo("48485a3953bb6124");
        assertThat(request.headers().get("x-b3-parentspanid")).isEqualTo("a2fb4a1d1a96d312");
        assertThat(request.headers().get("traceparent")).startsWith("00-000000000000000048485a3953bb6124-").endsWith("-00");
    }

    @Test
    void newTracesAre64BitUnlessConfigured() {
        Tracer.State s64 = (Tracer.State) head(tracer(100, false)).trace();
        Tracer.State s128 = (Tracer.State) head(tracer(100, true)).trace();

        assertThat(s64.traceIdHigh).isZero();
        assertThat(s64.traceIdLow).isNotZero();
        assertThat(s128.traceIdHigh).isNotZero();
        assertThat(TracingSink.traceId(head(tracer(100, false)))).hasSize(32).startsWith("0000000000000000");
    }

    @Test
    void theTraceIdForAccessLogsComesFromTheStateOrTheHeaders() {
        RequestInfo unsampled = head(tracer(100, true), "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
        RequestInfo sampled = head(tracer(100, true), "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        assertThat(TracingSink.traceId(unsampled)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(TracingSink.traceId(sampled)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(TracingSink.traceId(new RequestInfo("main", Direction.OUTBOUND, null, null, false))).isNull();
    }

    @Test
    void aTracestateWithoutAValidTraceparentIsDropped() {
        RequestInfo kept = head(tracer(100, true), "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate", "congo=t61rcWkgMzE");
        RequestInfo orphan = head(tracer(100, true), "tracestate", "congo=t61rcWkgMzE");
        RequestInfo broken = head(tracer(0, true), "traceparent", "00-nonsense", "tracestate", "congo=t61rcWkgMzE");

        assertThat(kept.requestHeaders().get("tracestate")).isEqualTo("congo=t61rcWkgMzE");
        assertThat(orphan.requestHeaders().contains("tracestate")).isFalse();
        assertThat(broken.requestHeaders().contains("tracestate")).isFalse();
        assertThat(broken.requestHeaders().get("traceparent")).endsWith("-00");
    }
}
