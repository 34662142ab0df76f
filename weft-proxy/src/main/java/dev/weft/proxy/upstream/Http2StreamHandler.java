package dev.weft.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * One upstream HTTP/2 stream seen as an {@link UpstreamStream}; Http2StreamFrameToHttpObjectCodec
 * in front of it turns frames into HTTP/1 message objects and back.
 *
 * <p>Reference counting: response messages pass to the listener, which owns them; anything read
 * without a listener is released.
 */
final class Http2StreamHandler extends ChannelInboundHandlerAdapter implements UpstreamStream {
    private final Http2Connection connection;
    private Channel channel;
    private UpstreamListener listener;
    private boolean responseComplete;
    private boolean refused;
    private String resetReason;

    Http2StreamHandler(Http2Connection connection) {
        this.connection = connection;
    }

    void bind(Channel channel) {
        this.channel = channel;
    }

    @Override
    public void listener(UpstreamListener listener) {
        this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener l = listener;
        if (l == null || !(msg instanceof HttpObject ho)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof LastHttpContent) {
            responseComplete = true;
        }
        l.onResponse(ho);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset) {
            refused = reset.errorCode() == Http2Error.REFUSED_STREAM.code();
            resetReason = "upstream reset the stream (" + errorName(reset.errorCode()) + ")";
        } else if (evt instanceof Http2GoAwayFrame) {
            refused = true;
            resetReason = "upstream sent GOAWAY before processing the stream";
        }
        ReferenceCountUtil.release(evt);
    }

    private static String errorName(long code) {
        Http2Error e = Http2Error.valueOf(code);
        return e == null ? "error " + code : e.name();
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
        connection.streamClosed();
        UpstreamListener l = listener;
        listener = null;
        if (l != null && !responseComplete) {
            l.onReset(resetReason != null ? resetReason : "upstream connection closed", refused);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        resetReason = "upstream stream error: " + cause.getMessage();
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
        listener = null;
        channel.close();
    }

    @Override
    public void reset() {
        listener = null;
        channel.close();
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public String protocol() {
        return "HTTP/2";
    }
}
