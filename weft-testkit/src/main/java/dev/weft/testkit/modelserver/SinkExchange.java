package dev.weft.testkit.modelserver;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/** {@code /sink}: reads a body of any size chunk by chunk, keeps none of it, answers {@code {"bytes": n}}. */
final class SinkExchange extends Exchange {

    private long bytes;

    SinkExchange(ExchangeHandler owner, ChannelHandlerContext ctx, HttpRequest request, String route) {
        super(owner, ctx, request, route);
    }

    @Override
    void onContent(HttpContent content, boolean last) {
        int readable = content.content().readableBytes();
        bytes += readable;
        server.metrics.bodyBytesReceived(readable);
        content.release();
        if (last) {
            respondJson(HttpResponseStatus.OK, Map.of("bytes", bytes));
        }
    }
}
