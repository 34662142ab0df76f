package dev.weft.testkit.modelserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * One request and its response on a connection (HTTP/1.1) or stream (HTTP/2), confined to the
 * channel's event loop. Subclasses implement one endpoint.
 *
 * <p>Reference counting: {@link #onContent} receives ownership of each request content and must
 * release it or pass it on in a write.
 */
abstract class Exchange {

    static final String INSTANCE_HEADER = "x-model-server-instance";
    static final String VERSION_HEADER = "x-model-version";

    final ServerContext server;
    final ChannelHandlerContext ctx;
    final HttpRequest request;
    final String route;
    private final ExchangeHandler owner;
    private final boolean keepAlive;
    boolean requestDone;
    boolean responseStarted;
    boolean closed;

    Exchange(ExchangeHandler owner, ChannelHandlerContext ctx, HttpRequest request, String route) {
        this.owner = owner;
        this.server = owner.server();
        this.ctx = ctx;
        this.request = request;
        this.route = route;
        this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    /** Called once after construction, before any content. */
    void onRequest() {
    }

    /** Receives the next piece of the request body; takes ownership of {@code content}. */
    abstract void onContent(HttpContent content, boolean last);

    /** The channel's writability changed while this exchange is current. */
    void onWritabilityChanged() {
    }

    /** Whether the connection should stop reading for now (back-pressure). */
    boolean pausesReading() {
        return false;
    }

    /** The channel closed before the response finished: cancel timers and free what is held. */
    void onClosed() {
    }

    boolean keepAlive() {
        return keepAlive;
    }

    /** Writes (without flushing) response headers for a body that follows; -1 length means chunked. */
    final void startResponse(HttpResponseStatus status, CharSequence contentType, long contentLength) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        decorate(response.headers(), contentType, false);
        if (contentLength >= 0) {
            HttpUtil.setContentLength(response, contentLength);
        } else {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        responseStarted = true;
        server.metrics.responded(route, status.code());
        ctx.write(response);
    }

    /** Sends a whole response and finishes the exchange. Takes ownership of {@code body}. */
    final void respond(HttpResponseStatus status, CharSequence contentType, ByteBuf body) {
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        decorate(response.headers(), contentType, !requestDone);
        HttpUtil.setContentLength(response, body.readableBytes());
        responseStarted = true;
        server.metrics.responded(route, status.code());
        finish(ctx.writeAndFlush(response));
    }

    final void respondText(HttpResponseStatus status, String text) {
        respond(status, "text/plain; charset=utf-8", Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    final void respondJson(HttpResponseStatus status, Object value) {
        byte[] bytes;
        try {
            bytes = server.json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a response", e);
        }
        respond(status, HttpHeaderValues.APPLICATION_JSON, Unpooled.wrappedBuffer(bytes));
    }

    /** An OpenAI-style error body: {@code {"error":{"message","type","param","code"}}}. */
    final void respondError(HttpResponseStatus status, String message, String type, String param, String code) {
        ObjectNode error = server.json.createObjectNode();
        ObjectNode body = error.putObject("error");
        body.put("message", message);
        body.put("type", type);
        body.put("param", param);
        body.put("code", code);
        respondJson(status, error);
    }

    /** Marks the response complete once {@code lastWrite} is issued. */
    final void finish(ChannelFuture lastWrite) {
        owner.exchangeFinished(this, lastWrite);
    }

    private void decorate(HttpHeaders headers, CharSequence contentType, boolean endsBeforeRequest) {
        headers.set(INSTANCE_HEADER, server.config.instanceId());
        headers.set(VERSION_HEADER, server.config.version());
        if (contentType != null) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        if (!keepAlive || endsBeforeRequest) {
            // The rest of an unread request body would be taken for the next request: close instead.
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }
}
