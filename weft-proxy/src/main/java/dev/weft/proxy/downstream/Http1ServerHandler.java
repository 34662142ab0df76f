package dev.weft.proxy.downstream;

import dev.weft.proxy.http.LocalReply;
import dev.weft.proxy.http.WeftError;
import dev.weft.proxy.http1.MalformedRequest;
import dev.weft.proxy.http1.StrictHttp1RequestDecoder;
import dev.weft.proxy.router.DeadlineTimer;
import dev.weft.proxy.router.Downstream;
import dev.weft.proxy.router.Exchange;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A downstream HTTP/1.1 connection: one exchange at a time, pipelined requests queued behind it,
 * keep-alive unless the client or the proxy (draining, a broken exchange) ends it.
 *
 * <p>Reference counting: request messages are handed to the current exchange, which owns them;
 * queued pipelined messages are owned by this handler until dispatched, and released on close.
 */
public final class Http1ServerHandler extends ChannelInboundHandlerAdapter implements Downstream {
    /** How long the rest of a rejected request is read and dropped before the connection is closed. */
    private static final long LINGER_MILLIS = 2000;

    private final LiveListener listener;
    /** The listener's filter chain this connection was accepted on. */
    private final int chain;
    private final StrictHttp1RequestDecoder decoder;
    private final boolean secure;
    private final ConnectionTracker tracker;
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    private Channel channel;
    /** The client's address as text, worked out on first use. */
    private String remoteIp;
    private Exchange current;
    /** Shared by the connection's exchanges (one at a time); made on first use. */
    private DeadlineTimer timer;
    private boolean keepAlive = true;
    /** Between a channelRead and the channelReadComplete that ends its read. */
    private boolean reading;
    private boolean http10;

    public Http1ServerHandler(LiveListener listener, int chain, StrictHttp1RequestDecoder decoder, boolean secure) {
        this.listener = listener;
        this.chain = chain;
        this.decoder = decoder;
        this.secure = secure;
        this.tracker = listener.tracker();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        if (msg instanceof MalformedRequest bad) {
            rejectMalformed(bad);
            return;
        }
        if (!queued.isEmpty() || (msg instanceof HttpRequest && current != null)) {
            queued.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest req) {
            keepAlive = HttpUtil.isKeepAlive(req);
            http10 = req.protocolVersion().equals(HttpVersion.HTTP_1_0);
            // each request takes the listener's current context: after a config update, the next
            // request on a kept-alive connection uses the new routes
            current = new Exchange(listener.context(chain), this, channel.remoteAddress());
            tracker.requestStarted();
            current.onRequest(msg);
        } else if (current != null) {
            current.onRequest(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void rejectMalformed(MalformedRequest bad) {
        if (current != null) {
            current.cancel();
            current = null;
            tracker.requestFinished();
        }
        releaseQueued();
        WeftError error = bad.status() == 431 ? WeftError.REQUEST_HEADERS_TOO_LARGE : WeftError.BAD_REQUEST;
        listener.context(chain).recordError(error);
        FullHttpResponse r = LocalReply.create(channel.alloc(), error, bad.reason(), false, false);
        r.setStatus(io.netty.handler.codec.http.HttpResponseStatus.valueOf(bad.status()));
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        listener.context(chain).reportRejected(channel, channel.remoteAddress(), error, r);
        channel.writeAndFlush(r).addListener(f -> closeAfterLinger());
    }

    /**
     * Closes a connection whose client may still be sending the rejected request. Closing a socket
     * with unread bytes makes the kernel send RST, and a client that gets it loses the error
     * response it has not read yet; so, as RFC 9112 §9.6 advises, the write side is closed first
     * and what still arrives is read and dropped (the decoder discards it) until the client closes
     * or {@link #LINGER_MILLIS} pass.
     */
    private void closeAfterLinger() {
        if (!(channel instanceof DuplexChannel duplex) || !channel.isActive()) {
            channel.close();
            return;
        }
        ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(f -> deadline.cancel(false));
        channel.config().setAutoRead(true);
        duplex.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                channel.close();
            }
        });
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (current != null) {
            current.onRequestReadComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && current != null) {
            current.onDownstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        reading = false;
        if (current != null) {
            current.cancel();
            current = null;
            tracker.requestFinished();
        }
        if (timer != null) {
            timer.close();
        }
        releaseQueued();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof DrainEvent) {
            // this connection alone may be drained (its filter chain changed transport): close after the response
            keepAlive = false;
            if (current == null) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void releaseQueued() {
        Object m;
        while ((m = queued.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    // ---------------------------------------------------------------- Downstream

    @Override
    public Channel connection() {
        return channel;
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
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public boolean secure() {
        return secure;
    }

    @Override
    public String remoteIp() {
        if (remoteIp == null && channel.remoteAddress() instanceof InetSocketAddress isa && isa.getAddress() != null) {
            remoteIp = isa.getAddress().getHostAddress();
        }
        return remoteIp;
    }

    @Override
    public boolean readInProgress() {
        return reading;
    }

    @Override
    public boolean http2() {
        return false;
    }

    @Override
    public DeadlineTimer deadlineTimer() {
        if (timer == null) {
            timer = new DeadlineTimer(channel.eventLoop());
        }
        return timer;
    }

    @Override
    public void prepareResponse(HttpResponse response, boolean headRequest) {
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        int code = response.status().code();
        boolean noBody = headRequest || code < 200 || code == 204 || code == 304;
        if (!noBody && !HttpUtil.isContentLengthSet(response)) {
            if (response instanceof FullHttpResponse full) {
                HttpUtil.setContentLength(response, full.content().readableBytes());
            } else if (http10) {
                keepAlive = false; // an HTTP/1.0 client reads to the end of the connection
            } else {
                HttpUtil.setTransferEncodingChunked(response, true);
            }
        }
        if (code == 101) {
            return;
        }
        if (!keepAlive || tracker.draining()) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            keepAlive = false;
        } else if (http10) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    @Override
    public void setRequestReading(boolean reading) {
        if (queued.isEmpty()) {
            channel.config().setAutoRead(reading);
        }
    }

    @Override
    public void exchangeFinished(Exchange exchange, boolean reusable) {
        if (exchange != current) {
            return;
        }
        current = null;
        tracker.requestFinished();
        if (!reusable || !keepAlive || tracker.draining()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            releaseQueued();
            return;
        }
        Object m;
        while ((m = queued.peek()) != null) {
            if (m instanceof HttpRequest && current != null) {
                return; // the next exchange is running; the rest waits for it
            }
            queued.poll();
            dispatch(m);
        }
        channel.config().setAutoRead(true);
    }

    @Override
    public void abort() {
        releaseQueued();
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void upgradeAccepted() {
        // The 101 is encoded already; what follows is the upgraded protocol's bytes, which the
        // HTTP encoder would refuse.
        channel.pipeline().remove(HttpResponseEncoder.class);
        decoder.upgradeAccepted();
    }

    @Override
    public void upgradeRejected() {
        decoder.upgradeRejected();
    }

}
