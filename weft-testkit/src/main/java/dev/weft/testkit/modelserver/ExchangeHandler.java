package dev.weft.testkit.modelserver;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Turns the {@link HttpObject}s of one HTTP/1.1 connection, or of one HTTP/2 stream (after
 * {@code Http2StreamFrameToHttpObjectCodec}), into {@link Exchange}s, one at a time.
 *
 * <p>Requests pipelined behind one whose response is still running wait in a backlog, and reading
 * stops until the backlog drains. Reading also stops while the current exchange asks for
 * back-pressure (echoing to a client that does not read).
 *
 * <p>Reference counting: every inbound message is passed to the current exchange (which owns it
 * then), parked in the backlog (released when the channel closes), or released here.
 */
final class ExchangeHandler extends ChannelInboundHandlerAdapter {

    private final ServerContext server;
    private final boolean http2;
    private final ArrayDeque<HttpObject> backlog = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Exchange current;
    private boolean closing;
    private boolean draining;

    ExchangeHandler(ServerContext server, boolean http2) {
        this.server = server;
        this.http2 = http2;
    }

    ServerContext server() {
        return server;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!backlog.isEmpty() || (current != null && current.requestDone)) {
            backlog.addLast((HttpObject) msg);
        } else {
            dispatch((HttpObject) msg);
        }
        updateReading();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null) {
            current.onWritabilityChanged();
        }
        updateReading();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        Exchange exchange = current;
        current = null;
        if (exchange != null) {
            exchange.closed = true;
            exchange.onClosed();
            server.metrics.requestEnded();
        }
        releaseBacklog();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A test server has no one to report to: the client sees the reset.
        ctx.close();
    }

    /** Called by the current exchange once the last write of its response is issued. */
    void exchangeFinished(Exchange exchange, ChannelFuture lastWrite) {
        if (exchange != current) {
            return;
        }
        current = null;
        server.metrics.requestEnded();
        if (!http2 && (!exchange.keepAlive() || !exchange.requestDone)) {
            closing = true;
            releaseBacklog();
            lastWrite.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        drainBacklog();
        updateReading();
    }

    private void dispatch(HttpObject msg) {
        if (msg instanceof HttpRequest) {
            HttpRequest request = (HttpRequest) msg;
            current = Routes.create(this, ctx, request);
            server.metrics.requestStarted(current.route);
            current.onRequest();
        }
        if (msg instanceof HttpContent) {
            Exchange exchange = current;
            if (exchange == null || exchange.requestDone) {
                // Body left over from a request already answered (HTTP/2 stream after the response).
                ReferenceCountUtil.release(msg);
                return;
            }
            boolean last = msg instanceof LastHttpContent;
            exchange.requestDone = last;
            exchange.onContent((HttpContent) msg, last);
        }
    }

    private void drainBacklog() {
        if (draining) {
            // An exchange finished synchronously while the loop below dispatched: that loop goes on.
            return;
        }
        draining = true;
        try {
            while (!closing && !backlog.isEmpty() && (current == null || !current.requestDone)) {
                dispatch(backlog.pollFirst());
            }
        } finally {
            draining = false;
        }
    }

    private void updateReading() {
        if (closing) {
            return;
        }
        boolean read = backlog.isEmpty() && (current == null || !current.pausesReading());
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    private void releaseBacklog() {
        HttpObject msg;
        while ((msg = backlog.pollFirst()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
