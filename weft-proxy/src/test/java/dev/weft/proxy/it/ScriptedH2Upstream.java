package dev.weft.proxy.it;

import io.netty.bootstrap.ServerBootstrap;
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
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An h2c upstream on Netty's connection handler, so a test decides frame by frame what the
 * connection sends: RST_STREAM, GOAWAY with any last stream id, responses held back or larger
 * than the proxy's window. The script runs on the connection's event loop when a request ends.
 */
final class ScriptedH2Upstream implements AutoCloseable {
    interface Script {
        void onRequest(Request request) throws Exception;
    }

    /** One request seen, and what may be sent on its stream or connection. */
    static final class Request {
        final int connection;
        final int streamId;
        final Http2Headers headers;
        private final ChannelHandlerContext ctx;
        private final Http2ConnectionHandler handler;

        Request(int connection, int streamId, Http2Headers headers, ChannelHandlerContext ctx,
                Http2ConnectionHandler handler) {
            this.connection = connection;
            this.streamId = streamId;
            this.headers = headers;
            this.ctx = ctx;
            this.handler = handler;
        }

        void respond(int status, byte[] body) {
            Http2Headers h = new DefaultHttp2Headers().status(Integer.toString(status))
                    .setInt("content-length", body.length);
            handler.encoder().writeHeaders(ctx, streamId, h, 0, body.length == 0, ctx.newPromise());
            if (body.length > 0) {
                handler.encoder().writeData(ctx, streamId, Unpooled.wrappedBuffer(body), 0, true, ctx.newPromise());
            }
            handler.flush(ctx);
        }

        void reset(Http2Error error) {
            handler.resetStream(ctx, streamId, error.code(), ctx.newPromise());
            handler.flush(ctx);
        }

        void goAway(int lastStreamId) {
            handler.goAway(ctx, lastStreamId, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, ctx.newPromise());
            handler.flush(ctx);
        }

    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong bytesSent = new AtomicLong();

    private ScriptedH2Upstream(Script script) throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        int connection = connections.incrementAndGet();
                        Http2ConnectionHandler[] handler = new Http2ConnectionHandler[1];
                        handler[0] = new Http2ConnectionHandlerBuilder()
                                .server(true)
                                .frameListener(new Http2FrameAdapter() {
                                    @Override
                                    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
                                            int padding, boolean endOfStream) throws io.netty.handler.codec.http2.Http2Exception {
                                        if (endOfStream) {
                                            request(ctx, streamId, headers);
                                        }
                                    }

                                    @Override
                                    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
                                            int streamDependency, short weight, boolean exclusive, int padding,
                                            boolean endOfStream) throws io.netty.handler.codec.http2.Http2Exception {
                                        onHeadersRead(ctx, streamId, headers, padding, endOfStream);
                                    }

                                    @Override
                                    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data,
                                            int padding, boolean endOfStream) {
                                        // request bodies are not kept; the tests send none
                                        return data.readableBytes() + padding;
                                    }

                                    private void request(ChannelHandlerContext ctx, int streamId, Http2Headers headers) {
                                        requests.incrementAndGet();
                                        try {
                                            script.onRequest(new Request(connection, streamId, headers, ctx, handler[0]));
                                        } catch (Exception e) {
                                            throw new IllegalStateException(e);
                                        }
                                    }
                                })
                                .build();
                        ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
                            @Override
                            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                                if (msg instanceof ByteBuf b) {
                                    bytesSent.addAndGet(b.readableBytes());
                                }
                                ctx.write(msg, promise);
                            }
                        }, handler[0]);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    static ScriptedH2Upstream start(Script script) throws InterruptedException {
        return new ScriptedH2Upstream(script);
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    int connections() {
        return connections.get();
    }

    int requests() {
        return requests.get();
    }

    /** Bytes the upstream's connections wrote to their sockets (frames, not just bodies). */
    long bytesSent() {
        return bytesSent.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
