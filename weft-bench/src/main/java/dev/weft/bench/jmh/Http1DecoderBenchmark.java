package dev.weft.bench.jmh;

import dev.weft.proxy.http1.StrictHttp1RequestDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Decoding one request head from a ByteBuf: the proxy's StrictHttp1RequestDecoder beside Netty's
 * HttpRequestDecoder, each alone in a pipeline whose last handler reads the method and releases
 * what it gets. {@code head}: {@code browser} (eight fields, 450 bytes) or {@code wrk} (Host only).
 * The pipeline, not a per-op EmbeddedChannel, is reused: one connection carrying request after
 * request, as under keep-alive.
 *
 * <p>The bytes are in a heap buffer. Off an event loop (as here, on a JMH thread) Netty decodes a
 * direct buffer's text through a fresh temporary array per call, which on the proxy's event loop
 * (a FastThreadLocalThread) is reused; a heap buffer is decoded in place, so the allocation
 * measured is the one the event loop sees.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Http1DecoderBenchmark {
    static final String BROWSER = "GET /reviews/v1/products/42?lang=en HTTP/1.1\r\n"
            + "Host: reviews.default.svc.cluster.local:8080\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
            + "Accept-Language: en-GB,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\n"
            + "Connection: keep-alive\r\n"
            + "Cookie: session=4f6c1b2a9e; theme=dark\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "\r\n";
    static final String WRK = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";

    @Param({"browser", "wrk"})
    public String head;

    private ByteBuf bytes;
    private EmbeddedChannel strict;
    private EmbeddedChannel netty;
    private final Sink sink = new Sink();

    /** Counts requests and releases every message (the decoders emit a LastHttpContent too). */
    static final class Sink extends ChannelInboundHandlerAdapter {
        long requests;

        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest r && r.method() != null) {
                requests++;
            }
            ReferenceCountUtil.release(msg);
        }
    }

    @Setup
    public void setUp() {
        byte[] b = (head.equals("browser") ? BROWSER : WRK).getBytes(StandardCharsets.US_ASCII);
        bytes = PooledByteBufAllocator.DEFAULT.heapBuffer(b.length).writeBytes(b);
        strict = new EmbeddedChannel(new StrictHttp1RequestDecoder(60 * 1024), sink);
        netty = new EmbeddedChannel(new HttpRequestDecoder(), sink);
        long before = sink.requests;
        strict();
        nettyDecoder();
        if (sink.requests != before + 2) {
            throw new IllegalStateException("a decoder did not produce a request from the head");
        }
    }

    @TearDown
    public void tearDown() {
        bytes.release();
        strict.finishAndReleaseAll();
        netty.finishAndReleaseAll();
    }

    @Benchmark
    public long strict() {
        strict.pipeline().fireChannelRead(bytes.retainedDuplicate());
        strict.pipeline().fireChannelReadComplete();
        return sink.requests;
    }

    @Benchmark
    public long nettyDecoder() {
        netty.pipeline().fireChannelRead(bytes.retainedDuplicate());
        netty.pipeline().fireChannelReadComplete();
        return sink.requests;
    }
}
