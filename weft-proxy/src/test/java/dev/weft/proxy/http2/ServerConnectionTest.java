package dev.weft.proxy.http2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.proxy.config.HttpSettings;
import dev.weft.proxy.rbac.Authorization;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A downstream HTTP/2 connection's handlers on a real event loop (Netty's in-VM transport). */
class ServerConnectionTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, LocalIoHandler.newFactory());
    /** The server's streams, in the order their requests arrived. */
    private final List<ServerStream> streams = new CopyOnWriteArrayList<>();
    /** What the client received: "stream:headers:status:end" or "stream:data:text:end". */
    private final List<String> received = new CopyOnWriteArrayList<>();
    /** Flushes that reached the server connection's transport. */
    private final AtomicInteger flushes = new AtomicInteger();
    private volatile boolean answerAtOnce;
    private Channel acceptor;
    private volatile Channel server;
    private Channel client;
    private Client frames;

    @BeforeEach
    void connect() throws Exception {
        HttpSettings settings = new HttpSettings("test", null, HttpSettings.CodecType.HTTP2, 8192, 0, 0, 0,
                false, false, 100, 65_535, 1 << 20, Set.of(), Authorization.NONE);
        LocalAddress address = new LocalAddress("h2-" + System.nanoTime());
        acceptor = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        server = ch;
                        ch.pipeline().addLast(new FlushCounter());
                        ServerConnection.install(ch.pipeline(), settings, Answer::new);
                    }
                }).bind(address).sync().channel();
        frames = new Client();
        client = new Bootstrap().group(group).channel(LocalChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(), frames);
                    }
                }).connect(address).sync().channel();
        await(() -> server != null && frames.settings);
    }

    @AfterEach
    void close() throws Exception {
        client.close().sync();
        acceptor.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void responsesEndedOutsideAReadGoOutTogetherWhenTheLoopTurnEnds() throws Exception {
        request();
        request();
        await(() -> streams.size() == 2);
        // read on the server's loop, so the flush that ends the read of the second request is already counted
        int before = server.eventLoop().submit(flushes::get).get(10, TimeUnit.SECONDS);

        // one turn of the server's event loop in which both responses end, as on reads of their upstreams
        int during = server.eventLoop().submit(() -> {
            respond(streams.get(0), "a");
            respond(streams.get(1), "b");
            return flushes.get();
        }).get(10, TimeUnit.SECONDS);

        await(() -> received.size() == 4);
        assertThat(during).isEqualTo(before);
        assertThat(flushes.get()).isEqualTo(before + 1);
        assertThat(received).containsExactly("3:headers:200:false", "3:data:a:true", "5:headers:200:false", "5:data:b:true");
    }

    /** The flushes made while the connection is read (a local reply, say) are not left waiting for another event. */
    @Test
    void responsesWrittenDuringAReadAreNotHeldBack() throws Exception {
        answerAtOnce = true;
        client.eventLoop().submit(() -> {
            request();
            request();
        }).get(10, TimeUnit.SECONDS);

        await(() -> received.size() == 4);
        assertThat(received).containsExactlyInAnyOrder("3:headers:200:false", "3:data:x:true", "5:headers:200:false", "5:data:x:true");
    }

    private void request() {
        DefaultHttp2Headers h = new DefaultHttp2Headers();
        h.method("GET").scheme("http").authority("a").path("/");
        client.writeAndFlush(new DefaultHttp2HeadersFrame(h, true).stream(frames.newStream()));
    }

    private static void respond(ServerStream stream, String body) {
        stream.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer(body, StandardCharsets.US_ASCII)));
        stream.flush();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private final class Answer extends ServerStream {
        @Override
        protected void onRequest(Object msg) {
            if (msg instanceof FullHttpRequest) {
                streams.add(this);
                if (answerAtOnce) {
                    respond(this, "x");
                }
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        protected void onRequestReadComplete() {
        }

        @Override
        protected void onWritable() {
        }

        @Override
        protected void onClosed() {
        }
    }

    private final class Client extends Http2ChannelDuplexHandler {
        volatile boolean settings;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame h) {
                received.add(h.stream().id() + ":headers:" + h.headers().status() + ":" + h.isEndStream());
            } else if (msg instanceof Http2DataFrame d) {
                received.add(d.stream().id() + ":data:" + d.content().toString(StandardCharsets.US_ASCII) + ":" + d.isEndStream());
            } else if (msg instanceof io.netty.handler.codec.http2.Http2SettingsFrame) {
                settings = true;
            }
            ReferenceCountUtil.release(msg);
        }
    }

    private final class FlushCounter extends ChannelOutboundHandlerAdapter {
        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes.incrementAndGet();
            ctx.flush();
        }
    }
}
