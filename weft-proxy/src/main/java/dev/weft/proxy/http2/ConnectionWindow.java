package dev.weft.proxy.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;

/**
 * Raises an HTTP/2 connection's receive window (the window of stream 0) to a configured size.
 * SETTINGS only set per-stream windows; the connection window grows by WINDOW_UPDATE, which may
 * only follow the connection preface, so this runs once the codec in front of it is active.
 * Without it every connection is held to 64 KiB in flight, whatever its streams may take.
 */
public final class ConnectionWindow extends ChannelInboundHandlerAdapter {
    private final Http2ConnectionHandler codec;
    private final int window;

    public ConnectionWindow(Http2ConnectionHandler codec, int window) {
        this.codec = codec;
        this.window = window;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Http2Exception {
        if (ctx.channel().isActive()) {
            apply(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Http2Exception {
        ctx.fireChannelActive();
        apply(ctx);
    }

    private void apply(ChannelHandlerContext ctx) throws Http2Exception {
        ctx.pipeline().remove(this);
        Http2Connection connection = codec.connection();
        int delta = window - Http2CodecUtil.DEFAULT_WINDOW_SIZE;
        if (delta > 0) {
            connection.local().flowController().incrementWindowSize(connection.connectionStream(), delta);
            ctx.channel().flush();
        }
    }
}
