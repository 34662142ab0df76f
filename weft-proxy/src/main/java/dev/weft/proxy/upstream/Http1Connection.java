package dev.weft.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

/**
 * A pooled HTTP/1.1 connection to one endpoint; it carries one exchange at a time and goes back
 * to its pool when the exchange ends cleanly with keep-alive.
 *
 * <p>Reference counting: response messages read from the connection are handed to the current
 * listener, which owns them; a message that arrives with no listener (a misbehaving upstream) is
 * released here and the connection closed.
 */
final class Http1Connection extends ChannelInboundHandlerAdapter implements UpstreamStream {
    private final ConnectionPool pool;
    private final Channel channel;
    /** What acquiring this pooled connection returns: made once, since a succeeded future never changes. */
    private final Future<UpstreamStream> acquired;
    private UpstreamListener listener;
    private int requests;
    private boolean inUse;
    private boolean responseComplete;
    private boolean keepAlive;
    private boolean upgraded;

    Http1Connection(ConnectionPool pool, Channel channel) {
        this.pool = pool;
        this.channel = channel;
        this.acquired = channel.eventLoop().newSucceededFuture(this);
    }

    /** Marks the connection taken for a new exchange and returns it as a completed acquisition. */
    Future<UpstreamStream> acquire() {
        assert channel.eventLoop().inEventLoop();
        inUse = true;
        responseComplete = false;
        keepAlive = true;
        requests++;
        channel.config().setAutoRead(true);
        return acquired;
    }

    int requests() {
        return requests;
    }

    boolean isIdleAndUsable() {
        return !inUse && channel.isActive() && !upgraded;
    }

    /** After a 101 response the connection carries raw bytes for one client and is never pooled. */
    void markUpgraded() {
        upgraded = true;
    }

    @Override
    public void listener(UpstreamListener listener) {
        this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener l = listener;
        if (l == null || !inUse) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpObject ho && ho.decoderResult().isFailure()) {
            // Netty's decoder could not read the response (bad status line, a field name that is not
            // a token, conflicting Content-Length, a bad chunk size, ...): nothing of it may reach
            // the client, and the connection's framing is lost.
            DecoderResult result = ho.decoderResult();
            ReferenceCountUtil.release(msg);
            listener = null;
            inUse = false;
            keepAlive = false;
            ctx.close();
            l.onProtocolError("malformed HTTP/1.1 response from the upstream: " + describe(result.cause()));
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (!HttpUtil.isKeepAlive(response)) {
                keepAlive = false;
            }
            if (response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
                upgraded = true;
            }
        }
        if (msg instanceof LastHttpContent) {
            responseComplete = true;
            if (upgraded) {
                // From here the connection carries the upgraded protocol's bytes both ways; the HTTP
                // encoder would refuse them and the decoder would copy them. Bytes read behind the
                // 101 reach channelRead as a ByteBuf once the codec is gone.
                ctx.pipeline().remove(Http1ClientCodec.class);
            }
        }
        if (msg instanceof HttpObject ho) {
            l.onResponse(ho);
        } else {
            // raw bytes after a 101: the listener relays them
            l.onResponse(new RawBytes((io.netty.buffer.ByteBuf) msg));
        }
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "unreadable";
        }
        String m = cause.getMessage();
        return m == null || m.isBlank() ? cause.getClass().getSimpleName() : m;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.onReadComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.onWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pool.removeHttp1(this);
        UpstreamListener l = listener;
        listener = null;
        if (l != null && inUse && (!responseComplete || upgraded)) {
            l.onReset("upstream connection closed", false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && !inUse) {
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    @Override
    public void write(Object msg) {
        channel.write(msg, channel.voidPromise());
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        channel.config().setAutoRead(autoRead);
    }

    @Override
    public void release() {
        assert channel.eventLoop().inEventLoop();
        listener = null;
        inUse = false;
        channel.config().setAutoRead(true);
        int max = pool.maxRequestsPerConnection();
        if (keepAlive && responseComplete && !upgraded && channel.isActive() && (max == 0 || requests < max)
                && !pool.isRetired()) {
            pool.offerHttp1(this);
        } else {
            channel.close();
        }
    }

    @Override
    public void reset() {
        listener = null;
        inUse = false;
        channel.close();
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public String protocol() {
        return "HTTP/1.1";
    }
}
