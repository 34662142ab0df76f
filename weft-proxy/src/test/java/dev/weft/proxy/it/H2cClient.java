package dev.weft.proxy.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/2 client with prior knowledge (h2c) on Netty's frame codec: one connection, each request
 * its own stream, so a test can run many concurrent streams on one connection and see the frames'
 * headers, body and trailers as they arrived.
 */
public final class H2cClient implements AutoCloseable {
    /** Largest body piece per DATA frame, so a large body goes out as several frames. */
    private static final int FRAME_BYTES = 16 * 1024;

    /** A response as received: header and trailer names are lower case, repeated values joined by ", ". */
    public record Response(Map<String, String> headers, byte[] body, Map<String, String> trailers) {
        public int status() {
            return Integer.parseInt(headers.get(":status"));
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final EventLoopGroup group;
    private final Channel channel;
    private final String authority;

    private H2cClient(EventLoopGroup group, Channel channel, String authority) {
        this.group = group;
        this.channel = channel;
        this.authority = authority;
    }

    /** Connects to 127.0.0.1:{@code port} and sends the connection preface. */
    public static H2cClient connect(int port) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel ch = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(
                                    Http2FrameCodecBuilder.forClient()
                                            .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                                            .build(),
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        }
                    })
                    .connect("127.0.0.1", port)
                    .sync()
                    .channel();
            return new H2cClient(group, ch, "127.0.0.1:" + port);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /**
     * Opens a stream and sends one request on it; {@code body} null sends headers only (END_STREAM
     * on HEADERS). The future completes when the response stream ends, exceptionally on a reset.
     */
    public CompletableFuture<Response> send(String method, String path, Map<String, String> headers, byte[] body) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        new Http2StreamChannelBootstrap(channel)
                .handler(new Collector(result))
                .open()
                .addListener((Future<Http2StreamChannel> f) -> {
                    if (!f.isSuccess()) {
                        result.completeExceptionally(f.cause());
                        return;
                    }
                    Http2StreamChannel stream = f.getNow();
                    Http2Headers h = new DefaultHttp2Headers()
                            .method(method).path(path).scheme("http").authority(authority);
                    headers.forEach((name, value) -> h.add(name.toLowerCase(Locale.ROOT), value));
                    stream.write(new DefaultHttp2HeadersFrame(h, body == null));
                    if (body != null) {
                        int offset = 0;
                        do {
                            int n = Math.min(FRAME_BYTES, body.length - offset);
                            boolean last = offset + n == body.length;
                            stream.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body, offset, n), last));
                            offset += n;
                        } while (offset < body.length);
                    }
                    stream.flush();
                });
        return result;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Collects one response stream. Frames are released here once their content is copied. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Response> result;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private Map<String, String> headers;
        private Map<String, String> trailers = Map.of();
        private String reset;

        Collector(CompletableFuture<Response> result) {
            this.result = result;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame frame) {
                    Map<String, String> h = toMap(frame.headers());
                    if (headers == null) {
                        if (!h.getOrDefault(":status", "").startsWith("1")) {
                            headers = h;
                        }
                    } else {
                        trailers = h;
                    }
                    if (frame.isEndStream()) {
                        complete();
                    }
                } else if (msg instanceof Http2DataFrame frame) {
                    ByteBuf content = frame.content();
                    byte[] bytes = new byte[content.readableBytes()];
                    content.getBytes(content.readerIndex(), bytes);
                    body.writeBytes(bytes);
                    if (frame.isEndStream()) {
                        complete();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame r) {
                reset = "stream reset with error code " + r.errorCode();
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!result.isDone()) {
                result.completeExceptionally(new IllegalStateException(
                        reset != null ? reset : "stream closed before the response ended"));
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
            ctx.close();
        }

        private void complete() {
            result.complete(new Response(headers == null ? Map.of() : headers, body.toByteArray(), trailers));
        }

        private static Map<String, String> toMap(Http2Headers h) {
            Map<String, String> map = new LinkedHashMap<>();
            h.forEach(e -> map.merge(e.getKey().toString().toLowerCase(Locale.ROOT), e.getValue().toString(),
                    (a, b) -> a + ", " + b));
            return map;
        }
    }
}
