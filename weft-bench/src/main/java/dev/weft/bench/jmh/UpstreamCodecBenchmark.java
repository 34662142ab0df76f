package dev.weft.bench.jmh;

import dev.weft.proxy.upstream.Http1ClientCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One exchange on a pooled upstream HTTP/1.1 connection's codec: the request head (what wrk's GET
 * becomes after the proxy's forwarding headers) encoded, and nginx's answer (5 fields, 1 KiB body)
 * decoded. {@code weft} is the proxy's {@link Http1ClientCodec}; {@code netty} is Netty's
 * HttpClientCodec as the proxy configured it before. Encoded bytes are dropped by an outbound
 * handler at the head of the pipeline; the decoded messages are released by the last handler.
 * The response is in a heap buffer for the reason Http1DecoderBenchmark gives.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class UpstreamCodecBenchmark {
    static final String NGINX_HEAD = "HTTP/1.1 200 OK\r\n"
            + "Server: nginx/1.26.3\r\n"
            + "Date: Fri, 27 Nov 2026 10:00:00 GMT\r\n"
            + "Content-Type: text/plain\r\n"
            + "Content-Length: 1024\r\n"
            + "Connection: keep-alive\r\n"
            + "\r\n";

    private ByteBuf response;
    private EmbeddedChannel weft;
    private EmbeddedChannel netty;
    private HttpHeaders requestHeaders;
    private final Sink sink = new Sink();

    /** Counts complete responses and releases every message. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        long responses;
        int status;

        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpResponse r) {
                status = r.status().code();
            }
            if (msg instanceof LastHttpContent) {
                responses++;
            }
            ReferenceCountUtil.release(msg);
        }
    }

    /** Drops what the encoder wrote, as the socket would take it. */
    static final class Drop extends ChannelOutboundHandlerAdapter {
        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
        }
    }

    @Setup
    public void setUp() {
        byte[] head = NGINX_HEAD.getBytes(StandardCharsets.US_ASCII);
        response = PooledByteBufAllocator.DEFAULT.heapBuffer(head.length + 1024).writeBytes(head).writeZero(1024);
        requestHeaders = DefaultHttpHeadersFactory.headersFactory().newHeaders()
                .add("host", "127.0.0.1:19401")
                .add("x-forwarded-proto", "http")
                .add("x-request-id", "6f1c1f0e-4d1b-4c45-9a53-0d6b7e8f9a10");
        Drop drop = new Drop();
        weft = new EmbeddedChannel(drop, new Http1ClientCodec(), sink);
        netty = new EmbeddedChannel(drop, new HttpClientCodec(8192, 64 * 1024, 64 * 1024, true), sink);
        long before = sink.responses;
        weft();
        nettyCodec();
        if (sink.responses != before + 2 || sink.status != 200) {
            throw new IllegalStateException("a codec did not read the response");
        }
    }

    @TearDown
    public void tearDown() {
        response.release();
        weft.finishAndReleaseAll();
        netty.finishAndReleaseAll();
    }

    private long exchange(EmbeddedChannel ch) {
        ch.write(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", requestHeaders.copy()));
        ch.write(LastHttpContent.EMPTY_LAST_CONTENT);
        ch.flush();
        ch.pipeline().fireChannelRead(response.retainedDuplicate());
        ch.pipeline().fireChannelReadComplete();
        return sink.responses;
    }

    @Benchmark
    public long weft() {
        return exchange(weft);
    }

    @Benchmark
    public long nettyCodec() {
        return exchange(netty);
    }

    /** What each op spends outside the codec: the request object and its header copy, to subtract. */
    @Benchmark
    public Object requestOnly() {
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", requestHeaders.copy());
    }

}
