package dev.weft.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/**
 * A pooled HTTP/2 connection to one endpoint; exchanges are its streams, up to the peer's
 * SETTINGS_MAX_CONCURRENT_STREAMS. It stops taking new streams after a GOAWAY or when it has
 * served max_requests_per_connection, and closes once its last stream ends.
 */
final class Http2Connection extends ChannelInboundHandlerAdapter {
    private final ConnectionPool pool;
    private final Channel channel;
    private final Http2FrameCodec codec;
    private int activeStreams;
    private int totalStreams;
    private boolean draining;

    Http2Connection(ConnectionPool pool, Channel channel, Http2FrameCodec codec) {
        this.pool = pool;
        this.channel = channel;
        this.codec = codec;
    }

    Channel channel() {
        return channel;
    }

    /** Whether a new stream may be opened now. */
    boolean hasCapacity() {
        if (draining || !channel.isActive()) {
            return false;
        }
        int max = pool.maxRequestsPerConnection();
        if (max > 0 && totalStreams >= max) {
            return false;
        }
        return activeStreams < codec.connection().local().maxActiveStreams();
    }

    /** Whether no stream is open on it. */
    boolean isIdle() {
        return activeStreams == 0;
    }

    /**
     * Opens a stream; the promise completes with it or with the failure. Nothing is opened for a
     * promise already cancelled, and a stream opened for one cancelled meanwhile is reset.
     */
    void openStream(Promise<UpstreamStream> promise) {
        if (promise.isDone()) {
            return;
        }
        activeStreams++;
        totalStreams++;
        int max = pool.maxRequestsPerConnection();
        if (max > 0 && totalStreams >= max) {
            draining = true;
        }
        Http2StreamHandler handler = new Http2StreamHandler(this);
        new Http2StreamChannelBootstrap(channel)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), handler);
                    }
                })
                .open()
                .addListener((Future<Http2StreamChannel> f) -> {
                    if (f.isSuccess()) {
                        handler.bind(f.getNow());
                        if (!promise.trySuccess(handler)) {
                            handler.reset();
                        }
                    } else {
                        streamClosed();
                        promise.tryFailure(f.cause());
                    }
                });
    }

    /** Takes no new streams and closes once the open ones end (its pool was retired). */
    void drain() {
        draining = true;
        pool.removeHttp2(this);
        if (activeStreams == 0) {
            channel.close();
        }
    }

    /** Called when one of its streams closes. */
    void streamClosed() {
        activeStreams--;
        if (activeStreams == 0 && draining) {
            channel.close();
        } else if (!draining) {
            pool.http2StreamClosed(this);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2GoAwayFrame) {
            draining = true;
            pool.removeHttp2(this);
            if (activeStreams == 0) {
                ctx.close();
            }
        }
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && activeStreams == 0) {
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        draining = true;
        pool.removeHttp2(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
