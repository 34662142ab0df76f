package dev.weft.testkit.modelserver;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Answers with a small whole response computed when the request has been read; discards any body. */
final class FixedExchange extends Exchange {

    /** A status, content type and text body. */
    record Reply(HttpResponseStatus status, String contentType, String body) {
    }

    private final Supplier<Reply> reply;

    FixedExchange(ExchangeHandler owner, ChannelHandlerContext ctx, HttpRequest request, String route,
                  Supplier<Reply> reply) {
        super(owner, ctx, request, route);
        this.reply = reply;
    }

    static FixedExchange text(ExchangeHandler owner, ChannelHandlerContext ctx, HttpRequest request, String route,
                              HttpResponseStatus status, String text) {
        return new FixedExchange(owner, ctx, request, route,
                () -> new Reply(status, "text/plain; charset=utf-8", text));
    }

    static FixedExchange json(ExchangeHandler owner, ChannelHandlerContext ctx, HttpRequest request, String route,
                              Supplier<Object> body) {
        ServerContext server = owner.server();
        return new FixedExchange(owner, ctx, request, route, () -> {
            try {
                return new Reply(HttpResponseStatus.OK, HttpHeaderValues.APPLICATION_JSON.toString(),
                        server.json.writeValueAsString(body.get()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot serialise a response", e);
            }
        });
    }

    @Override
    void onContent(HttpContent content, boolean last) {
        content.release();
        if (last) {
            Reply r = reply.get();
            respond(r.status(), r.contentType(), Unpooled.copiedBuffer(r.body(), StandardCharsets.UTF_8));
        }
    }
}
