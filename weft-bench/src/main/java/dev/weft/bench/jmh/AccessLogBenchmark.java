package dev.weft.bench.jmh;

import dev.weft.proxy.accesslog.LogFormat;
import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.observe.Direction;
import dev.weft.proxy.observe.RequestInfo;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What an access log line costs the event loop: formatting one finished exchange (a forwarded POST with a
 * traceparent) in the default JSON format (28 fields) and in Envoy's classic text format. Writing happens on
 * another thread and is not measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AccessLogBenchmark {
    private static final String ENVOY_TEXT = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% "
            + "%PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
            + "\"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" "
            + "\"%UPSTREAM_HOST%\"\n";

    private RequestInfo info;
    private LogFormat text;

    @Setup
    public void setUp() throws Exception {
        info = new RequestInfo("outbound", Direction.OUTBOUND, null, new InetSocketAddress("10.1.2.3", 40000), false);
        DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions");
        req.headers().set("host", "chat.default.svc.cluster.local:8000")
                .set("user-agent", "python-httpx/0.27.0")
                .set("x-request-id", "8f7c0a2e-5c1d-4b4e-9f0e-2a6b1c3d4e5f")
                .set("x-forwarded-for", "10.1.2.3")
                .set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        long t0 = System.nanoTime();
        info.requestStarted(req, t0);
        info.routed("default/chat/rule0/match0", "outbound|chat.default|8000");
        info.attemptStarted(new Endpoint(new InetSocketAddress("10.0.0.7", 8000), 1, 0, true));
        info.upstreamStarted(t0 + 300_000);
        info.requestEnded(t0 + 200_000, 412);
        info.upstreamResponded(t0 + 150_000_000);
        DefaultHttpHeaders resp = new DefaultHttpHeaders();
        resp.set("content-type", "application/json");
        info.responseStarted(200, resp, t0 + 150_100_000);
        info.responseBytes(1834);
        info.ended(true, t0 + 151_000_000);
        text = LogFormat.compile(SubstitutionFormatString.newBuilder()
                .setTextFormatSource(DataSource.newBuilder().setInlineString(ENVOY_TEXT)).build(), "text");
    }

    @Benchmark
    public String defaultJson() {
        return LogFormat.DEFAULT.format(info);
    }

    @Benchmark
    public String envoyText() {
        return text.format(info);
    }
}
