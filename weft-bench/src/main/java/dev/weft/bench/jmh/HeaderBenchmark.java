package dev.weft.bench.jmh;

import dev.weft.proxy.router.Headers;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The router's per-request header work on typical heads: a browser-like request (hop-by-hop
 * removal, then x-forwarded-for, x-forwarded-proto and x-request-id added) and an nginx response
 * (hop-by-hop removal). The operations change the headers, so each op first refills a reused
 * headers object from a template; {@code copyRequestOnly} and {@code copyResponseOnly} measure
 * that refill alone, to be subtracted.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeaderBenchmark {
    private final HttpHeaders requestTemplate = newHeaders();
    private final HttpHeaders responseTemplate = newHeaders();
    private final HttpHeaders headers = newHeaders();

    private static HttpHeaders newHeaders() {
        // as the strict request decoder makes them: it validates fields itself
        return DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
    }

    @Setup
    public void setUp() {
        requestTemplate
                .add("host", "reviews.default.svc.cluster.local:8080")
                .add("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
                .add("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
                .add("accept-language", "en-GB,en;q=0.5")
                .add("accept-encoding", "gzip, deflate, br")
                .add("connection", "keep-alive")
                .add("cookie", "session=4f6c1b2a9e; theme=dark")
                .add("upgrade-insecure-requests", "1");
        responseTemplate
                .add("server", "nginx/1.22.1")
                .add("date", "Thu, 26 Nov 2026 15:19:26 GMT")
                .add("content-type", "application/octet-stream")
                .add("content-length", "1024")
                .add("last-modified", "Thu, 26 Nov 2026 15:19:26 GMT")
                .add("connection", "keep-alive")
                .add("etag", "\"6745e8ee-400\"")
                .add("accept-ranges", "bytes");
    }

    @Benchmark
    public HttpHeaders copyRequestOnly() {
        return headers.clear().add(requestTemplate);
    }

    @Benchmark
    public HttpHeaders requestHeaders() {
        HttpHeaders h = headers.clear().add(requestTemplate);
        Headers.removeHopByHop(h, false);
        Headers.addForwardingHeaders(h, "10.1.2.3", false, true);
        return h;
    }

    @Benchmark
    public HttpHeaders copyResponseOnly() {
        return headers.clear().add(responseTemplate);
    }

    @Benchmark
    public HttpHeaders responseHeaders() {
        HttpHeaders h = headers.clear().add(responseTemplate);
        Headers.removeHopByHop(h, false);
        return h;
    }
}
