package dev.weft.bench.jmh;

import dev.weft.proxy.observe.Direction;
import dev.weft.proxy.observe.RequestInfo;
import dev.weft.proxy.stats.Stats;
import dev.weft.proxy.tracing.SpanExporter;
import dev.weft.proxy.tracing.Tracer;
import dev.weft.proxy.tracing.TracingConfig;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What tracing adds to one exchange on the event loop. {@code unsampled*} is the path of 99 % of requests at
 * 1 % sampling: the head is read for trace headers and, when it carried no decision, a sampled=0 context is
 * written for the hops behind. {@code sampled} is a whole sampled exchange: the head, one upstream attempt and
 * the completion, with its two spans built and offered to an exporter whose queue is full (so no encoding
 * runs beside the benchmark; the drop is the same lock-free path as an accepted offer, minus the enqueue).
 * Each op refills the request from a template and allocates the RequestInfo the router allocates anyway;
 * {@code baseline} measures that alone, to subtract.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TracingBenchmark {
    private static final TracingConfig.Exporter COLLECTOR = new TracingConfig.Exporter(TracingConfig.Provider.ZIPKIN,
            "zipkin", "/api/v2/spans", "zipkin", 1000, null);

    private final HttpRequest template = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
            "/v1/chat/completions", DefaultHttpHeadersFactory.headersFactory().withValidation(false));
    private final HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
            "/v1/chat/completions", DefaultHttpHeadersFactory.headersFactory().withValidation(false));
    private SpanExporter exporter;
    private Tracer never;
    private Tracer always;

    @Setup(Level.Trial)
    public void setUp() {
        template.headers()
                .add("host", "chat")
                .add("user-agent", "python-httpx/0.27.0")
                .add("accept", "*/*")
                .add("content-type", "application/json")
                .add("content-length", "112")
                .add("x-request-id", "b9f3c2a1-4d5e-4f60-8a7b-9c0d1e2f3a4b");
        // a queue of one, filled: every offer is dropped, so no exporter thread encodes during the run
        exporter = new SpanExporter("bench", TracingConfig.Provider.ZIPKIN.encoder(), (body, type) -> {
            throw new java.io.IOException("not sent");
        }, "chat", new SpanExporter.Settings(1, 1_000_000, 3_600_000), new Stats());
        never = new Tracer(new TracingConfig(0, true, COLLECTOR), exporter, "bench");
        always = new Tracer(new TracingConfig(100, true, COLLECTOR), exporter, "bench");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        exporter.close();
    }

    private RequestInfo start(String traceparent) {
        request.headers().clear().add(template.headers());
        if (traceparent != null) {
            request.headers().add("traceparent", traceparent);
        }
        RequestInfo info = new RequestInfo("outbound", Direction.OUTBOUND, null, null, false);
        info.requestStarted(request, System.nanoTime());
        return info;
    }

    @Benchmark
    public RequestInfo baseline() {
        return start(null);
    }

    @Benchmark
    public RequestInfo unsampledNoContext() {
        RequestInfo info = start(null);
        never.onRequestHead(info, request);
        return info;
    }

    @Benchmark
    public RequestInfo unsampledWithContext() {
        RequestInfo info = start("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
        never.onRequestHead(info, request);
        return info;
    }

    @Benchmark
    public RequestInfo sampled() {
        RequestInfo info = start(null);
        always.onRequestHead(info, request);
        always.onUpstreamRequest(info, request);
        info.responseStarted(200, null, System.nanoTime());
        info.ended(true, System.nanoTime());
        always.onComplete(info);
        return info;
    }
}
