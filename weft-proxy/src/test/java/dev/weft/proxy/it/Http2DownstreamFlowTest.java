package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Flow control and cancellation between an HTTP/2 client and the proxy's downstream streams, seen from a
 * frame-level client: a request body is taken only as fast as the upstream takes it, and a reset stream
 * cancels its upstream request.
 */
class Http2DownstreamFlowTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Far more than the proxy's windows (64 KiB here) plus what loopback socket buffers hold. */
    private static final int BODY = 48 << 20;
    /** Small windows, so that flow control, not buffering, is what holds the client. */
    private static final String SMALL_WINDOWS =
            "http2_protocol_options: {initial_stream_window_size: 65535, initial_connection_window_size: 65535}";

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aLargeUploadToAStalledUpstreamHoldsTheClientBackAndArrivesWhole() throws Exception {
        CountDownLatch upstreamReads = new CountDownLatch(1);
        AtomicLong received = new AtomicLong();
        try (RawUpstream up = RawUpstream.start((n, head, socket) -> {
                 try {
                     upstreamReads.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                 } catch (InterruptedException e) {
                     return;
                 }
                 InputStream in = socket.getInputStream();
                 byte[] buf = new byte[64 * 1024];
                 long expected = Long.parseLong(header(head, "content-length"));
                 long total = 0;
                 int r;
                 while (total < expected && (r = in.read(buf, 0, (int) Math.min(buf.length, expected - total))) > 0) {
                     for (int i = 0; i < r; i++) {
                         if (buf[i] != (byte) (total + i)) {
                             throw new AssertionError("byte " + (total + i) + " differs");
                         }
                     }
                     total += r;
                     received.set(total);
                 }
                 OutputStream out = socket.getOutputStream();
                 out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + Long.toString(total).length() + "\r\n\r\n" + total)
                         .getBytes(StandardCharsets.US_ASCII));
                 out.flush();
             });
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("up", ""),
                     Bootstraps.cluster("up", false, "", up.port()), SMALL_WINDOWS))) {
            Client client = Client.connect(group, proxy.port());
            Client.Exchange ex = client.request("POST", "/upload", BODY, false);

            // the upstream reads nothing: the proxy stops taking the body, and its windows stop the client
            await().atMost(WAIT).until(() -> up.requests() == 1);
            // what passes meanwhile is the windows and the loopback socket buffers (at most 4 + 6 MiB by default)
            await().during(Duration.ofSeconds(3)).atMost(WAIT).until(() -> client.sentBytes() < BODY / 3);

            upstreamReads.countDown();
            assertThat(ex.response.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("200:" + BODY);
            assertThat(received.get()).isEqualTo(BODY);
            client.close();
        }
    }

    @Test
    void aClientResetMidResponseCancelsTheUpstreamRequest() throws Exception {
        CompletableFuture<Boolean> upstreamClosed = new CompletableFuture<>();
        try (RawUpstream up = RawUpstream.start((n, head, socket) -> {
                 OutputStream out = socket.getOutputStream();
                 out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n".getBytes(StandardCharsets.US_ASCII));
                 out.flush();
                 try {
                     // the rest never comes; the proxy gives the connection up when the client resets
                     upstreamClosed.complete(socket.getInputStream().read() < 0);
                 } catch (java.io.IOException e) {
                     upstreamClosed.complete(true);
                 }
             });
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("up", ""),
                     Bootstraps.cluster("up", false, "", up.port())))) {
            Client client = Client.connect(group, proxy.port());
            Client.Exchange ex = client.request("GET", "/stream", -1, true);

            assertThat(ex.firstData.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("first");
            assertThat(upstreamClosed.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            await().atMost(WAIT).until(() -> proxy.stat("http.main.downstream_rq_active") == 0);

            // the connection carries on
            Client.Exchange next = client.request("GET", "/stream", -1, false);
            assertThat(next.firstData.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("first");
            client.close();
        }
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        throw new AssertionError("no " + name + " in " + head);
    }

    /** An HTTP/2 client on Netty's frame codec that counts the bytes it put on the wire. */
    private static final class Client extends Http2ChannelDuplexHandler {
        private final AtomicLong sent = new AtomicLong();
        private Channel channel;

        static Client connect(EventLoopGroup group, int port) throws InterruptedException {
            Client c = new Client();
            c.channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(c.new Counter(), Http2FrameCodecBuilder.forClient().build(), c);
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            return c;
        }

        long sentBytes() {
            return sent.get();
        }

        /** Sends a request with {@code body} bytes (byte i is (byte) i), or none when negative. */
        Exchange request(String method, String path, int body, boolean resetOnFirstData) throws Exception {
            Exchange ex = new Exchange(resetOnFirstData);
            channel.eventLoop().submit(() -> {
                Http2FrameStream stream = newStream();
                ex.stream = stream;
                DefaultHttp2Headers h = new DefaultHttp2Headers();
                h.method(method).scheme("http").authority("test").path(path);
                if (body >= 0) {
                    h.setInt("content-length", body);
                }
                channel.write(new DefaultHttp2HeadersFrame(h, body < 0).stream(stream));
                for (int off = 0; off < body; off += 16384) {
                    int n = Math.min(16384, body - off);
                    byte[] chunk = new byte[n];
                    for (int i = 0; i < n; i++) {
                        chunk[i] = (byte) (off + i);
                    }
                    channel.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(chunk), off + n == body).stream(stream));
                }
                current = ex;
                channel.flush();
            }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            return ex;
        }

        /** The exchange of the stream opened last (frames carry the stream; one exchange runs at a time here). */
        private volatile Exchange current;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Exchange ex = current;
            if (msg instanceof Http2HeadersFrame h && ex != null && h.stream() == ex.stream) {
                ex.status = h.headers().status().toString();
                if (h.isEndStream()) {
                    ex.response.complete(ex.status + ":" + ex.body);
                }
            } else if (msg instanceof Http2DataFrame d && ex != null && d.stream() == ex.stream) {
                String text = d.content().toString(StandardCharsets.US_ASCII);
                ex.body.append(text);
                ex.firstData.complete(text);
                // give the window back, as a reading client does
                ctx.write(new DefaultHttp2WindowUpdateFrame(d.initialFlowControlledBytes())
                        .stream(d.stream()));
                if (ex.resetOnFirstData) {
                    ctx.write(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(d.stream()));
                }
                ctx.flush();
                if (d.isEndStream()) {
                    ex.response.complete(ex.status + ":" + ex.body);
                }
            } else if (msg instanceof Http2ResetFrame r && ex != null && r.stream() == ex.stream) {
                ex.response.completeExceptionally(new AssertionError("reset: " + r.errorCode()));
            }
            ReferenceCountUtil.release(msg);
        }

        void close() {
            channel.close().syncUninterruptibly();
        }

        /** Counts the bytes written to the socket. */
        private final class Counter extends ChannelOutboundHandlerAdapter {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                if (msg instanceof ByteBuf b) {
                    sent.addAndGet(b.readableBytes());
                }
                ctx.write(msg, promise);
            }
        }

        static final class Exchange {
            final CompletableFuture<String> response = new CompletableFuture<>();
            final CompletableFuture<String> firstData = new CompletableFuture<>();
            final StringBuilder body = new StringBuilder();
            volatile Http2FrameStream stream;
            volatile String status;
            final boolean resetOnFirstData;

            Exchange(boolean resetOnFirstData) {
                this.resetOnFirstData = resetOnFirstData;
            }
        }
    }
}
