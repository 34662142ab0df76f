package dev.weft.testkit.modelserver;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * {@code /bytes/{n}[?chunked=false]}: streams {@code n} bytes where byte {@code i} is {@code (byte) i},
 * writing only while the channel is writable, so a download of any size uses bounded memory. Chunked
 * by default; {@code chunked=false} sends a Content-Length instead.
 */
final class BytesExchange extends Exchange {

    private final long length;
    private final boolean chunked;
    private long remaining;
    private boolean waitingForWritable;

    BytesExchange(ExchangeHandler owner, ChannelHandlerContext ctx, HttpRequest request, String route,
                  long length, boolean chunked) {
        super(owner, ctx, request, route);
        this.length = length;
        this.chunked = chunked;
        this.remaining = length;
    }

    @Override
    void onContent(HttpContent content, boolean last) {
        content.release();
        if (last) {
            startResponse(HttpResponseStatus.OK, HttpHeaderValues.APPLICATION_OCTET_STREAM, chunked ? -1 : length);
            pump();
        }
    }

    @Override
    void onWritabilityChanged() {
        if (waitingForWritable && ctx.channel().isWritable()) {
            waitingForWritable = false;
            pump();
        }
    }

    @Override
    void onClosed() {
        remaining = 0;
    }

    private void pump() {
        while (remaining > 0 && !closed) {
            if (!ctx.channel().isWritable()) {
                waitingForWritable = true;
                ctx.flush();
                return;
            }
            int chunk = (int) Math.min(ServerContext.PATTERN_CHUNK, remaining);
            ctx.write(new DefaultHttpContent(ServerContext.pattern(chunk)));
            remaining -= chunk;
            server.metrics.bodyBytesSent(chunk);
        }
        if (!closed) {
            finish(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
        }
    }
}
