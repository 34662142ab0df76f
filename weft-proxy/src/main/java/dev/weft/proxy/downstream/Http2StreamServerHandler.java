package dev.weft.proxy.downstream;

import dev.weft.proxy.router.Downstream;
import dev.weft.proxy.router.Exchange;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/**
 * One downstream HTTP/2 stream (a child channel of Http2MultiplexHandler, behind
 * Http2StreamFrameToHttpObjectCodec): exactly one exchange.
 *
 * <p>Reference counting: request messages go to the exchange, which owns them; anything that
 * arrives without an exchange is released.
 */
final class Http2StreamServerHandler extends ChannelInboundHandlerAdapter implements Downstream {
    private final LiveListener listener;
    /** The listener's filter chain the connection was accepted on. */
    private final int chain;
    private final boolean secure;
    private final ConnectionTracker tracker;
    private Channel channel;
    /** The client's address as text, worked out on first use. */
    private String remoteIp;
    private Exchange exchange;

    Http2StreamServerHandler(LiveListener listener, int chain, boolean secure) {
        this.listener = listener;
        this.chain = chain;
        this.secure = secure;
        this.tracker = listener.tracker();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest && exchange == null) {
            exchange = new Exchange(listener.context(chain), this, ctx.channel().parent().remoteAddress());
            tracker.requestStarted();
            exchange.onRequest(msg);
        } else if (exchange != null) {
            exchange.onRequest(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onRequestReadComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && exchange != null) {
            exchange.onDownstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (exchange != null && !exchange.isDone()) {
            exchange.cancel();
            tracker.requestFinished();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public boolean secure() {
        return secure;
    }

    @Override
    public String remoteIp() {
        if (remoteIp == null && channel.parent().remoteAddress() instanceof InetSocketAddress isa && isa.getAddress() != null) {
            remoteIp = isa.getAddress().getHostAddress();
        }
        return remoteIp;
    }

    @Override
    public boolean readInProgress() {
        // A stream's reads are driven by the parent connection; flush at once rather than rely
        // on how the multiplexer batches the child's read completions.
        return false;
    }

    @Override
    public boolean http2() {
        return true;
    }

    @Override
    public void prepareResponse(HttpResponse response, boolean headRequest) {
        // HTTP/2 frames its own bodies; connection-specific headers were removed by the router.
    }

    @Override
    public void setRequestReading(boolean reading) {
        channel.config().setAutoRead(reading);
    }

    @Override
    public void exchangeFinished(Exchange ex, boolean reusable) {
        tracker.requestFinished();
        if (!reusable) {
            channel.close(); // resets the stream: the request body is no longer wanted
        }
    }

    @Override
    public void abort() {
        channel.close();
    }

    @Override
    public void upgradeAccepted() {
        // HTTP/2 streams are never upgraded (no extended CONNECT support).
    }

    @Override
    public void upgradeRejected() {
        // see upgradeAccepted
    }
}
