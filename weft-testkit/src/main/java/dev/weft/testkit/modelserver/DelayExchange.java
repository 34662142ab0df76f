package dev.weft.testkit.modelserver;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** {@code /delay/{ms}}: answers {@code {"delayed_ms": ms}} that long after the request was read. */
final class DelayExchange extends Exchange {

    private final long delayMillis;
    private ScheduledFuture<?> timer;

    DelayExchange(ExchangeHandler owner, ChannelHandlerContext ctx, HttpRequest request, String route,
                  long delayMillis) {
        super(owner, ctx, request, route);
        this.delayMillis = delayMillis;
    }

    @Override
    void onContent(HttpContent content, boolean last) {
        content.release();
        if (last) {
            timer = ctx.executor().schedule(
                    () -> respondJson(HttpResponseStatus.OK, Map.of("delayed_ms", delayMillis)),
                    delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    void onClosed() {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
